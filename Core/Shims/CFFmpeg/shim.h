#ifndef REDACTFARM_CFFMPEG_SHIM_H
#define REDACTFARM_CFFMPEG_SHIM_H

// The only place a libav* header is included. Function-like macros and the side-data API
// that moved between FFmpeg 5.1 (Debian 12) and 6.1+/7.x (Ubuntu 24.04+, Debian 13) are
// wrapped here so the Swift code has one API to call.

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/display.h>
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#if LIBAVCODEC_VERSION_MAJOR > 60 || (LIBAVCODEC_VERSION_MAJOR == 60 && LIBAVCODEC_VERSION_MINOR >= 31)
#define RF_CODECPAR_SIDE_DATA 1
#else
#define RF_CODECPAR_SIDE_DATA 0
#endif

static inline int rf_error_eof(void) { return AVERROR_EOF; }
static inline int rf_error_eagain(void) { return AVERROR(EAGAIN); }
static inline int rf_error_enomem(void) { return AVERROR(ENOMEM); }
static inline int rf_error_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int64_t rf_nopts(void) { return AV_NOPTS_VALUE; }

/// The stream's display matrix, or NULL. FFmpeg 6.1 moved it from AVStream to codecpar.
static inline const int32_t *rf_stream_display_matrix(const AVStream *st) {
#if RF_CODECPAR_SIDE_DATA
    const AVPacketSideData *sd = av_packet_side_data_get(st->codecpar->coded_side_data,
                                                         st->codecpar->nb_coded_side_data,
                                                         AV_PKT_DATA_DISPLAYMATRIX);
    if (!sd || sd->size < 36) return NULL;
    return (const int32_t *)sd->data;
#else
    size_t size = 0;
    const uint8_t *data = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!data || size < 36) return NULL;
    return (const int32_t *)data;
#endif
}

/// Rotation in degrees as FFmpeg reports it (counter-clockwise), NAN when there is none.
static inline double rf_stream_rotation(const AVStream *st) {
    const int32_t *m = rf_stream_display_matrix(st);
    return m ? av_display_rotation_get(m) : NAN;
}

/// Copies stream-level side data (display matrix, mastering display, content light, ...).
/// From 6.1 on it lives in codecpar and avcodec_parameters_copy already carried it.
static inline int rf_stream_copy_side_data(AVStream *dst, const AVStream *src) {
#if RF_CODECPAR_SIDE_DATA
    (void)dst; (void)src;
    return 0;
#else
    for (int i = 0; i < src->nb_side_data; i++) {
        const AVPacketSideData *sd = &src->side_data[i];
        uint8_t *copy = av_stream_new_side_data(dst, sd->type, sd->size);
        if (!copy) return AVERROR(ENOMEM);
        memcpy(copy, sd->data, sd->size);
    }
    return 0;
#endif
}

/// Copies every chapter (id, time base, start, end, metadata) of `src` to `dst`, as fftools'
/// copy_chapters does; avformat_free_context(dst) frees them.
static inline int rf_copy_chapters(AVFormatContext *dst, const AVFormatContext *src) {
    for (unsigned i = 0; i < src->nb_chapters; i++) {
        const AVChapter *in = src->chapters[i];
        AVChapter **grown = av_realloc_array(dst->chapters, dst->nb_chapters + 1, sizeof(*dst->chapters));
        if (!grown) return AVERROR(ENOMEM);
        dst->chapters = grown;
        AVChapter *out = av_mallocz(sizeof(AVChapter));
        if (!out) return AVERROR(ENOMEM);
        out->id = in->id;
        out->time_base = in->time_base;
        out->start = in->start;
        out->end = in->end;
        if (av_dict_copy(&out->metadata, in->metadata, 0) < 0) { av_free(out); return AVERROR(ENOMEM); }
        dst->chapters[dst->nb_chapters++] = out;
    }
    return 0;
}

/// Sets a display matrix on a stream; used when a segment carries codec parameters that
/// lost it (an encoder's output) and the source's rotation must be restored.
static inline int rf_stream_set_display_matrix(AVStream *st, const int32_t *matrix) {
#if RF_CODECPAR_SIDE_DATA
    AVPacketSideData *sd = av_packet_side_data_new(&st->codecpar->coded_side_data,
                                                   &st->codecpar->nb_coded_side_data,
                                                   AV_PKT_DATA_DISPLAYMATRIX, 36, 0);
    if (!sd) return AVERROR(ENOMEM);
    memcpy(sd->data, matrix, 36);
#else
    uint8_t *data = av_stream_new_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, 36);
    if (!data) return AVERROR(ENOMEM);
    memcpy(data, matrix, 36);
#endif
    return 0;
}

static inline int rf_stream_side_data_count(const AVStream *st) {
#if RF_CODECPAR_SIDE_DATA
    return st->codecpar->nb_coded_side_data;
#else
    return st->nb_side_data;
#endif
}

/// Channel count across the FFmpeg 5.1 and 7.x channel-layout APIs.
static inline int rf_codecpar_channels(const AVCodecParameters *par) {
    return par->ch_layout.nb_channels;
}

static inline void rf_channel_layout_describe(const AVCodecParameters *par, char *buf, size_t size) {
    if (av_channel_layout_describe(&par->ch_layout, buf, size) < 0 && size > 0) buf[0] = 0;
}

#endif
