#ifndef REDACTFARM_CENTERFACE_H
#define REDACTFARM_CENTERFACE_H
// C API over OpenCV 4.6 DNN running CenterFace, so Swift never sees C++ or OpenCV types.
// One instance per thread: it is not safe to share.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_centerface rf_centerface;

typedef struct {
    float x0, y0, x1, y1;  // in pixels of the image passed in
    float score;
} rf_face;

/// Loads the ONNX model from `model` bytes. Returns NULL and a reason in `err` on failure.
rf_centerface *rf_centerface_open(const uint8_t *model, size_t model_size, char *err, size_t err_size);

void rf_centerface_close(rf_centerface *detector);

/// Limits OpenCV's worker threads (process-wide). 0 leaves OpenCV's default.
void rf_opencv_set_threads(int threads);

/// Detects faces in a packed RGB24 image whose sides are multiples of 32. Writes at most
/// `max_faces` faces after non-maximum suppression and returns how many were found (which may
/// exceed `max_faces`), or -1 with a reason in `err`.
int rf_centerface_detect(rf_centerface *detector, const uint8_t *rgb, int width, int height, int stride,
                         float threshold, rf_face *faces, int max_faces, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif
