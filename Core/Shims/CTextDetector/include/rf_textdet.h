#ifndef REDACTFARM_TEXTDET_H
#define REDACTFARM_TEXTDET_H
// C API over OpenCV 4.6 DNN running PP-OCRv4's text detector (DB), for licence plates.
// One instance per thread: it is not safe to share.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rf_textdet rf_textdet;

/// A box in pixels of the image passed in, and its score.
typedef struct {
    float x0, y0, x1, y1;
    float score;
} rf_box;

/// Limits OpenCV's worker threads (process-wide). 0 leaves OpenCV's default.
void rf_opencv_set_threads(int threads);

/// Loads the ONNX model (the graph-fixed copy made by ops/models/fix-ppocr-det.py) from
/// `model` bytes. Returns NULL and a reason in `err` on failure.
rf_textdet *rf_textdet_open(const uint8_t *model, size_t model_size, char *err, size_t err_size);

void rf_textdet_close(rf_textdet *detector);

/// Finds text regions in a packed RGB24 image whose sides are multiples of 32: pixels whose
/// text probability exceeds `threshold` are grouped into 8-connected regions; a region whose
/// mean probability reaches `box_threshold` becomes an axis-aligned box grown as DB's unclip
/// does (by area x `unclip_ratio` / perimeter). Writes at most `max_boxes` boxes (score = the
/// region's mean probability) and returns how many there were, or -1 with a reason in `err`.
int rf_textdet_detect(rf_textdet *detector, const uint8_t *rgb, int width, int height, int stride,
                      float threshold, float box_threshold, float unclip_ratio,
                      rf_box *boxes, int max_boxes, char *err, size_t err_size);

#ifdef __cplusplus
}
#endif
#endif
