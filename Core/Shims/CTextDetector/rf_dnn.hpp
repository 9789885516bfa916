// What the shim's detectors share: error reporting across the C boundary and loading a Net.
#pragma once

#include <opencv2/dnn.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace rf {

inline void set_error(char *err, size_t size, const char *what) {
    if (err && size) std::snprintf(err, size, "%s", what);
}

inline cv::dnn::Net load_net(const std::vector<uint8_t> &model) {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(reinterpret_cast<const char *>(model.data()), model.size());
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    return net;
}

// OpenCV 4.6 returns garbage from a Net reused after its input grows: one Net per size.
struct NetsBySize {
    std::vector<uint8_t> model;
    std::map<std::pair<int, int>, cv::dnn::Net> nets;

    cv::dnn::Net &for_size(int width, int height) {
        auto key = std::make_pair(width, height);
        auto it = nets.find(key);
        if (it == nets.end()) it = nets.emplace(key, load_net(model)).first;
        return it->second;
    }
};

// The NCHW float input for a packed RGB24 image whose sides are multiples of 32 (the networks'
// stride); plane c of each pixel is `value(c, rgb_of_that_pixel)`.
template <typename F>
cv::Mat planar_blob(const uint8_t *rgb, int width, int height, int stride, F value) {
    if (width % 32 || height % 32) throw std::invalid_argument("input sides must be multiples of 32");
    int dims[4] = {1, 3, height, width};
    cv::Mat blob(4, dims, CV_32F);
    float *planes[3] = {blob.ptr<float>(0, 0), blob.ptr<float>(0, 1), blob.ptr<float>(0, 2)};
    for (int y = 0; y < height; y++) {
        const uint8_t *row = rgb + (size_t)y * stride;
        size_t base = (size_t)y * width;
        for (int x = 0; x < width; x++) {
            for (int c = 0; c < 3; c++) planes[c][base + x] = value(c, row + 3 * x);
        }
    }
    return blob;
}

// Runs `body`; an exception becomes a reason in `err` and the result `failed`, since none may
// cross into Swift.
template <typename R, typename F>
R guarded(char *err, size_t err_size, const char *unknown, R failed, F body) {
    try {
        return body();
    } catch (const std::exception &e) {
        set_error(err, err_size, e.what());
    } catch (...) {
        set_error(err, err_size, unknown);
    }
    return failed;
}

// A detector `T` (with a `NetsBySize nets`) holding a copy of `model`, loaded once now so that
// a bad model fails here rather than on the first frame.
template <typename T>
T *open_detector(const uint8_t *model, size_t model_size, char *err, size_t err_size) {
    return guarded<T *>(err, err_size, "unknown error loading the model", nullptr, [&] {
        auto d = std::make_unique<T>();
        d->nets.model.assign(model, model + model_size);
        load_net(d->nets.model);
        return d.release();
    });
}

}  // namespace rf
