// PP-OCRv4's text detector (Apache-2.0, from the rapidocr-onnxruntime 1.3.24 wheel, its Clip
// nodes rewritten for OpenCV 4.6) finds licence plates as text. Pre- and post-processing
// follow rapidocr's: BGR input scaled to 0-1 and normalised with ImageNet's mean and std in
// that channel order; the probability map is thresholded, dilated by one pixel, split into
// regions, and each kept region is grown by DB's unclip distance.

#include "rf_textdet.h"
#include "rf_dnn.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <vector>

struct rf_textdet {
    rf::NetsBySize nets;
};

extern "C" void rf_opencv_set_threads(int threads) {
    if (threads > 0) cv::setNumThreads(threads);
}

extern "C" rf_textdet *rf_textdet_open(const uint8_t *model, size_t model_size, char *err, size_t err_size) {
    return rf::open_detector<rf_textdet>(model, model_size, err, err_size);
}

extern "C" void rf_textdet_close(rf_textdet *d) { delete d; }

namespace {

struct Region {
    int x0, y0, x1, y1;  // inclusive pixel bounds in the map
    double probability = 0;
    int pixels = 0;
};

// 8-connected regions of `mask` (w x h, 0 or 1), with the summed probability of their pixels.
std::vector<Region> regions(const std::vector<uint8_t> &mask, const float *prob, int w, int h) {
    std::vector<int> label(mask.size(), -1);
    std::vector<Region> found;
    std::vector<int> stack;
    for (int start = 0; start < w * h; start++) {
        if (!mask[start] || label[start] >= 0) continue;
        Region r{start % w, start / w, start % w, start / w};
        int id = (int)found.size();
        label[start] = id;
        stack.assign(1, start);
        while (!stack.empty()) {
            int i = stack.back();
            stack.pop_back();
            int x = i % w, y = i / w;
            r.x0 = std::min(r.x0, x); r.x1 = std::max(r.x1, x);
            r.y0 = std::min(r.y0, y); r.y1 = std::max(r.y1, y);
            r.probability += prob[i];
            r.pixels++;
            for (int dy = -1; dy <= 1; dy++) {
                for (int dx = -1; dx <= 1; dx++) {
                    int nx = x + dx, ny = y + dy;
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                    int j = ny * w + nx;
                    if (mask[j] && label[j] < 0) { label[j] = id; stack.push_back(j); }
                }
            }
        }
        found.push_back(r);
    }
    return found;
}

}  // namespace

extern "C" int rf_textdet_detect(rf_textdet *d, const uint8_t *rgb, int width, int height, int stride,
                                 float threshold, float box_threshold, float unclip_ratio,
                                 rf_box *boxes, int max_boxes, char *err, size_t err_size) {
    return rf::guarded<int>(err, err_size, "unknown error running the model", -1, [&]() -> int {
        // Channels in BGR order, each normalised as the model was trained.
        static const float mean[3] = {0.485f, 0.456f, 0.406f}, stdev[3] = {0.229f, 0.224f, 0.225f};
        cv::Mat blob = rf::planar_blob(rgb, width, height, stride, [](int c, const uint8_t *px) {
            return (px[2 - c] / 255.f - mean[c]) / stdev[c];
        });
        cv::dnn::Net &net = d->nets.for_size(width, height);
        net.setInput(blob, "x");
        cv::Mat out = net.forward();
        const int h = out.size[2], w = out.size[3];
        const float *prob = out.ptr<float>(0, 0);

        std::vector<uint8_t> mask((size_t)w * h, 0);
        for (int i = 0; i < w * h; i++) mask[i] = prob[i] > threshold;
        // rapidocr's 2x2 dilation: a pixel joins when its left, upper or upper-left neighbour is set.
        std::vector<uint8_t> dilated(mask);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                if (mask[i]) continue;
                if ((x > 0 && mask[i - 1]) || (y > 0 && mask[i - w]) || (x > 0 && y > 0 && mask[i - w - 1])) dilated[i] = 1;
            }
        }
        const float sx = (float)width / w, sy = (float)height / h;
        std::vector<rf_box> kept;
        for (const Region &r : regions(dilated, prob, w, h)) {
            float rw = (float)(r.x1 - r.x0 + 1), rh = (float)(r.y1 - r.y0 + 1);
            if (std::min(rw, rh) < 3) continue;
            float score = (float)(r.probability / r.pixels);
            if (score < box_threshold) continue;
            float grow = rw * rh * unclip_ratio / (2 * (rw + rh));
            rf_box b;
            b.x0 = std::max(0.f, (r.x0 - grow) * sx);
            b.y0 = std::max(0.f, (r.y0 - grow) * sy);
            b.x1 = std::min((float)width, (r.x1 + 1 + grow) * sx);
            b.y1 = std::min((float)height, (r.y1 + 1 + grow) * sy);
            b.score = score;
            kept.push_back(b);
        }
        std::sort(kept.begin(), kept.end(), [](const rf_box &a, const rf_box &b) { return a.score > b.score; });
        int n = (int)kept.size();
        for (int i = 0; i < std::min(n, max_boxes); i++) boxes[i] = kept[i];
        return n;
    });
}
