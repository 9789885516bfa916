// OpenVINO Runtime's C API, from the pinned wheel that ops/fetch-assets.sh unpacks into
// .cache/openvino (run `make setup` if this header is not found).
#include <openvino/c/openvino.h>
