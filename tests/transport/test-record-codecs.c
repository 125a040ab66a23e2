/* SPDX-License-Identifier: MIT */
/* transport/record names a codec to libavformat through libavformat's own
 * table of AVI tags, not a list of its own: kyoyu's FourCCs land on the
 * right AVCodecID, a FourCC libavformat does not know on none, and the
 * files it writes carry that codec. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libavformat/avformat.h>

#include <kyoyu/kyoyu.h>

#include "record-muxer.h"

static void test_record_fourccs_map_to_libavformat_codecs(void **state)
{
	assert_int_equal(record_muxer_codec_id(KYOYU_CODEC_VP8), AV_CODEC_ID_VP8);
	assert_int_equal(record_muxer_codec_id(KYOYU_CODEC_VP9), AV_CODEC_ID_VP9);
	assert_int_equal(record_muxer_codec_id(KYOYU_CODEC_H264), AV_CODEC_ID_H264);
	/* A codec no plugin of kyoyu's makes yet needs no edit either. */
	assert_int_equal(record_muxer_codec_id(KYOYU_FOURCC('A', 'V', '0', '1')),
			 AV_CODEC_ID_AV1);
}

static void test_record_unknown_fourccs_map_to_none(void **state)
{
	/* libavformat's table gives tag 0 to raw video: still no codec. */
	assert_int_equal(record_muxer_codec_id(KYOYU_CODEC_NONE), AV_CODEC_ID_NONE);
	assert_int_equal(record_muxer_codec_id(KYOYU_FOURCC('Z', 'Z', 'Z', 'Z')),
			 AV_CODEC_ID_NONE);
	assert_int_equal(record_muxer_codec_id(0xc8), AV_CODEC_ID_NONE);
}

/* Writes two packets of CODEC to a .webm file and reads back the codec of
 * its video stream. */
static enum AVCodecID written_codec(uint32_t codec)
{
	char dir[] = "/tmp/kyoyu-record-XXXXXX", path[64];
	uint8_t data[64];
	record_muxer *m;
	AVFormatContext *in = NULL;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.webm", dir);
	memset(data, 0x5a, sizeof(data));
	assert_int_equal(record_muxer_open(path, codec, 320, 240, data, sizeof(data), &m), 0);
	assert_int_equal(record_muxer_write(m, data, sizeof(data), 0, true), 0);
	assert_int_equal(record_muxer_write(m, data, sizeof(data), 33333, false), 0);
	assert_int_equal(record_muxer_close(m, 66666), 0);
	assert_int_equal(avformat_open_input(&in, path, NULL, NULL), 0);
	assert_int_equal(in->nb_streams, 1);
	enum AVCodecID id = in->streams[0]->codecpar->codec_id;
	avformat_close_input(&in);
	unlink(path);
	rmdir(dir);
	return id;
}

static void test_record_files_carry_the_mapped_codec(void **state)
{
	assert_int_equal(written_codec(KYOYU_CODEC_VP8), AV_CODEC_ID_VP8);
	assert_int_equal(written_codec(KYOYU_CODEC_VP9), AV_CODEC_ID_VP9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_fourccs_map_to_libavformat_codecs),
		cmocka_unit_test(test_record_unknown_fourccs_map_to_none),
		cmocka_unit_test(test_record_files_carry_the_mapped_codec),
	};
	return cmocka_run_group_tests_name("transport-record-codecs", tests, NULL, NULL);
}
