/* SPDX-License-Identifier: MIT */
/* A test double of Windows' Desktop Duplication (dxgi-duplication.h), for
 * tests/unit/test-dxgi-frames.c: no machine here runs DXGI (Wine has none),
 * so capture/dxgi's logic meets this instead.  The test sets fake_dxgi: what
 * opening gives, the desktop image, and the acquire results in order (after
 * the last, every wait times out); the fake counts what was asked of it and
 * checks that frames are released and mappings undone in order. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake-duplication.h"

fake_dxgi_state fake_dxgi;

struct dxgi_duplication {
	int unused;
};

static dxgi_duplication the_duplication;

int dxgi_duplication_open(const char *monitor, dxgi_duplication **out, dxgi_output *output,
			  char *why, size_t whylen)
{
	assert_false(fake_dxgi.open);
	fake_dxgi.opens++;
	snprintf(fake_dxgi.monitor, sizeof(fake_dxgi.monitor), "%s", monitor);
	if (fake_dxgi.open_result) {
		snprintf(why, whylen, "IDXGIOutput1_DuplicateOutput failed with %s",
			 fake_dxgi.open_result == -EAGAIN ? "E_ACCESSDENIED" : "E_NOTIMPL");
		return fake_dxgi.open_result;
	}
	*output = fake_dxgi.output;
	*out = &the_duplication;
	fake_dxgi.open = true;
	return 0;
}

int dxgi_duplication_acquire(dxgi_duplication *d, int timeout_ms, dxgi_frame *frame,
			     char *why, size_t whylen)
{
	assert_ptr_equal(d, &the_duplication);
	assert_true(fake_dxgi.open);
	assert_false(fake_dxgi.acquired); /* the last one was released */
	assert_true(timeout_ms > 0);
	fake_dxgi.acquires++;
	if (fake_dxgi.next >= fake_dxgi.n_events)
		return DXGI_NOTHING_NEW;
	const fake_dxgi_event *e = &fake_dxgi.events[fake_dxgi.next++];
	if (e->result == DXGI_ACQUIRED) {
		*frame = e->frame;
		fake_dxgi.acquired = true;
	} else if (e->result < 0) {
		snprintf(why, whylen, "IDXGIOutputDuplication_AcquireNextFrame failed");
	}
	return e->result;
}

int dxgi_duplication_map(dxgi_duplication *d, const dxgi_rect *rects, size_t n,
			 const uint8_t **pixels, size_t *stride, char *why, size_t whylen)
{
	(void)rects;
	assert_ptr_equal(d, &the_duplication);
	assert_true(fake_dxgi.acquired);
	assert_false(fake_dxgi.mapped);
	fake_dxgi.maps++;
	fake_dxgi.mapped_rects = n;
	if (fake_dxgi.map_error) {
		snprintf(why, whylen, "ID3D11DeviceContext_Map failed");
		return fake_dxgi.map_error;
	}
	fake_dxgi.mapped = true;
	*pixels = fake_dxgi.image;
	*stride = fake_dxgi.image_stride;
	return 0;
}

void dxgi_duplication_unmap(dxgi_duplication *d)
{
	assert_ptr_equal(d, &the_duplication);
	assert_true(fake_dxgi.mapped);
	fake_dxgi.mapped = false;
}

int dxgi_duplication_pointer_shape(dxgi_duplication *d, dxgi_pointer_shape *shape)
{
	assert_ptr_equal(d, &the_duplication);
	assert_true(fake_dxgi.acquired);
	*shape = fake_dxgi.shape;
	return 0;
}

void dxgi_duplication_release(dxgi_duplication *d)
{
	assert_ptr_equal(d, &the_duplication);
	assert_true(fake_dxgi.acquired);
	assert_false(fake_dxgi.mapped);
	fake_dxgi.acquired = false;
}

void dxgi_duplication_close(dxgi_duplication *d)
{
	if (!d)
		return;
	assert_ptr_equal(d, &the_duplication);
	assert_false(fake_dxgi.acquired);
	fake_dxgi.open = false;
	fake_dxgi.closes++;
}
