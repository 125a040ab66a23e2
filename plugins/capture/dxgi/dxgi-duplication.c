/* SPDX-License-Identifier: MIT */
/* dxgi-duplication.h with Windows' own calls: a D3D11 device on the
 * monitor's adapter, IDXGIOutput1_DuplicateOutput, one staging texture the
 * CPU reads.  Through COM's C interface (COBJMACROS).  Everything else of
 * capture/dxgi lives above this file and is tested without it. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COBJMACROS
#include <initguid.h> /* the interface IDs, defined here */
#include <windows.h>
#include <d3d11.h>
#include <dxgi1_2.h>

#include "dxgi-duplication.h"

struct dxgi_duplication {
	ID3D11Device *device;
	ID3D11DeviceContext *context;
	IDXGIOutputDuplication *dup;
	uint32_t image_w, image_h; /* the unrotated desktop image */
	ID3D11Texture2D *image;    /* the acquired frame's, until release */
	ID3D11Texture2D *staging;  /* what the CPU reads, image_w × image_h */
	DXGI_OUTDUPL_FRAME_INFO info;
	/* The frame's metadata as Windows gives it, and as dxgi-damage.h's. */
	uint8_t *metadata;
	UINT metadata_size;
	dxgi_rect *dirty;
	dxgi_move *moves;
	size_t rects_cap;
	uint8_t *shape;
	UINT shape_size;
	DXGI_OUTDUPL_POINTER_SHAPE_INFO shape_info;
};

/* The names of the HRESULTs duplication meets, for the log. */
static const char *hresult_name(HRESULT hr)
{
	switch (hr) {
	case E_NOTIMPL: return "E_NOTIMPL";
	case E_ACCESSDENIED: return "E_ACCESSDENIED";
	case E_INVALIDARG: return "E_INVALIDARG";
	case E_OUTOFMEMORY: return "E_OUTOFMEMORY";
	case E_NOINTERFACE: return "E_NOINTERFACE";
	case E_FAIL: return "E_FAIL";
	case DXGI_ERROR_UNSUPPORTED: return "DXGI_ERROR_UNSUPPORTED";
	case DXGI_ERROR_NOT_CURRENTLY_AVAILABLE: return "DXGI_ERROR_NOT_CURRENTLY_AVAILABLE";
	case DXGI_ERROR_SESSION_DISCONNECTED: return "DXGI_ERROR_SESSION_DISCONNECTED";
	case DXGI_ERROR_ACCESS_LOST: return "DXGI_ERROR_ACCESS_LOST";
	case DXGI_ERROR_WAIT_TIMEOUT: return "DXGI_ERROR_WAIT_TIMEOUT";
	case DXGI_ERROR_INVALID_CALL: return "DXGI_ERROR_INVALID_CALL";
	case DXGI_ERROR_NOT_FOUND: return "DXGI_ERROR_NOT_FOUND";
	case DXGI_ERROR_MORE_DATA: return "DXGI_ERROR_MORE_DATA";
	case DXGI_ERROR_DEVICE_REMOVED: return "DXGI_ERROR_DEVICE_REMOVED";
	case DXGI_ERROR_DEVICE_RESET: return "DXGI_ERROR_DEVICE_RESET";
	default: return "an HRESULT";
	}
}

static void say_failed(char *why, size_t whylen, const char *call, HRESULT hr)
{
	snprintf(why, whylen, "%s failed with %s (0x%08lx)", call, hresult_name(hr),
		 (unsigned long)hr);
}

/* "\\.\DISPLAY1" and "DISPLAY1" both name the monitor NAME. */
static bool names_monitor(const char *wanted, const char *name)
{
	const char *bare = strncmp(name, "\\\\.\\", 4) == 0 ? name + 4 : name;

	return _stricmp(wanted, name) == 0 || _stricmp(wanted, bare) == 0;
}

static int rotation_of(DXGI_MODE_ROTATION r)
{
	switch (r) {
	case DXGI_MODE_ROTATION_ROTATE90: return DXGI_DAMAGE_ROTATION_90;
	case DXGI_MODE_ROTATION_ROTATE180: return DXGI_DAMAGE_ROTATION_180;
	case DXGI_MODE_ROTATION_ROTATE270: return DXGI_DAMAGE_ROTATION_270;
	default: return DXGI_DAMAGE_ROTATION_IDENTITY;
	}
}

/* The output MONITOR names, with its adapter; the monitors there are in
 * LISTED when there is none.  Returns 0 or -ENODEV. */
static int find_output(IDXGIFactory1 *factory, const char *monitor, IDXGIAdapter1 **adapter_out,
		       IDXGIOutput **output_out, DXGI_OUTPUT_DESC *desc_out, char *listed,
		       size_t listedlen)
{
	bool primary = _stricmp(monitor, "primary") == 0;
	IDXGIAdapter1 *adapter;

	listed[0] = '\0';
	for (UINT a = 0; IDXGIFactory1_EnumAdapters1(factory, a, &adapter) == S_OK; a++) {
		IDXGIOutput *output;
		for (UINT o = 0; IDXGIAdapter1_EnumOutputs(adapter, o, &output) == S_OK; o++) {
			DXGI_OUTPUT_DESC desc;
			char name[64] = "";
			if (IDXGIOutput_GetDesc(output, &desc) != S_OK || !desc.AttachedToDesktop) {
				IDXGIOutput_Release(output);
				continue;
			}
			WideCharToMultiByte(CP_UTF8, 0, desc.DeviceName, -1, name, sizeof(name),
					    NULL, NULL);
			RECT r = desc.DesktopCoordinates;
			/* The primary monitor holds the desktop's origin. */
			bool found = primary ? r.left == 0 && r.top == 0 : names_monitor(monitor, name);
			if (found) {
				*adapter_out = adapter;
				*output_out = output;
				*desc_out = desc;
				return 0;
			}
			snprintf(listed + strlen(listed), listedlen - strlen(listed),
				 "%s%s %ldx%ld at %+ld%+ld", listed[0] ? ", " : "", name,
				 r.right - r.left, r.bottom - r.top, r.left, r.top);
			IDXGIOutput_Release(output);
		}
		IDXGIAdapter1_Release(adapter);
	}
	return -ENODEV;
}

/* The HRESULTs after which Windows may let the screen be duplicated again
 * later: the secure desktop (UAC, the lock screen), a mode duplication
 * cannot show, a disconnected session. */
static bool refused_for_now(HRESULT hr)
{
	return hr == E_ACCESSDENIED || hr == DXGI_ERROR_UNSUPPORTED ||
	       hr == DXGI_ERROR_SESSION_DISCONNECTED || hr == DXGI_ERROR_ACCESS_LOST;
}

int dxgi_duplication_open(const char *monitor, dxgi_duplication **out, dxgi_output *output,
			  char *why, size_t whylen)
{
	IDXGIFactory1 *factory = NULL;
	IDXGIAdapter1 *adapter = NULL;
	IDXGIOutput *win_output = NULL;
	IDXGIOutput1 *output1 = NULL;
	DXGI_OUTPUT_DESC desc;
	char listed[512];
	int ret = -ENOTSUP;
	HRESULT hr;

	*out = NULL;
	/* Real pixels and coordinates on a scaled display. */
	DPI_AWARENESS_CONTEXT was =
		SetThreadDpiAwarenessContext(DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2);
	dxgi_duplication *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(why, whylen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	hr = CreateDXGIFactory1(&IID_IDXGIFactory1, (void **)&factory);
	if (FAILED(hr)) {
		say_failed(why, whylen, "CreateDXGIFactory1", hr);
		goto out;
	}
	if (find_output(factory, monitor, &adapter, &win_output, &desc, listed,
			sizeof(listed))) {
		if (_stricmp(monitor, "primary") == 0)
			snprintf(why, whylen, "DXGI finds no monitor at the desktop's origin "
				 "(monitors: %s)", listed[0] ? listed : "none");
		else
			snprintf(why, whylen, "capture.monitor = \"%s\": no such monitor here "
				 "(monitors: %s); use \"primary\" or one of those names",
				 monitor, listed[0] ? listed : "none");
		ret = -ENODEV;
		goto out;
	}
	hr = D3D11CreateDevice((IDXGIAdapter *)adapter, D3D_DRIVER_TYPE_UNKNOWN, NULL,
			       D3D11_CREATE_DEVICE_BGRA_SUPPORT, NULL, 0, D3D11_SDK_VERSION,
			       &d->device, NULL, &d->context);
	if (FAILED(hr)) {
		say_failed(why, whylen, "D3D11CreateDevice", hr);
		goto out;
	}
	hr = IDXGIOutput_QueryInterface(win_output, &IID_IDXGIOutput1, (void **)&output1);
	if (FAILED(hr)) {
		/* Windows 7 without its Platform Update. */
		say_failed(why, whylen, "IDXGIOutput1 (Windows 8 or later)", hr);
		goto out;
	}
	hr = IDXGIOutput1_DuplicateOutput(output1, (IUnknown *)d->device, &d->dup);
	if (FAILED(hr)) {
		say_failed(why, whylen, "IDXGIOutput1_DuplicateOutput", hr);
		ret = refused_for_now(hr) ? -EAGAIN : -ENOTSUP;
		goto out;
	}
	DXGI_OUTDUPL_DESC dd;
	IDXGIOutputDuplication_GetDesc(d->dup, &dd);
	memset(output, 0, sizeof(*output));
	WideCharToMultiByte(CP_UTF8, 0, desc.DeviceName, -1, output->name, sizeof(output->name),
			    NULL, NULL);
	/* The desktop's coordinates are the picture as the person sees it;
	 * the image Windows hands out is not turned (map checks it is so). */
	RECT r = desc.DesktopCoordinates;
	output->x = r.left;
	output->y = r.top;
	output->width = (uint32_t)(r.right - r.left);
	output->height = (uint32_t)(r.bottom - r.top);
	output->rotation = rotation_of(dd.Rotation);
	bool turned = output->rotation == DXGI_DAMAGE_ROTATION_90 ||
		      output->rotation == DXGI_DAMAGE_ROTATION_270;
	d->image_w = turned ? output->height : output->width;
	d->image_h = turned ? output->width : output->height;
	*out = d;
	d = NULL;
	ret = 0;
out:
	if (output1)
		IDXGIOutput1_Release(output1);
	if (win_output)
		IDXGIOutput_Release(win_output);
	if (adapter)
		IDXGIAdapter1_Release(adapter);
	if (factory)
		IDXGIFactory1_Release(factory);
	dxgi_duplication_close(d);
	if (was)
		SetThreadDpiAwarenessContext(was);
	return ret;
}

/* The frame's dirty and move rectangles; false when they cannot be read. */
static bool read_metadata(dxgi_duplication *d, dxgi_frame *frame)
{
	UINT total = d->info.TotalMetadataBufferSize, used = 0, moves_size = 0, dirty_size = 0;

	if (total == 0)
		return true;
	if (total > d->metadata_size) {
		uint8_t *more = realloc(d->metadata, total);
		if (!more)
			return false;
		d->metadata = more;
		d->metadata_size = total;
	}
	DXGI_OUTDUPL_MOVE_RECT *moves = (DXGI_OUTDUPL_MOVE_RECT *)d->metadata;
	if (IDXGIOutputDuplication_GetFrameMoveRects(d->dup, total, moves, &moves_size) != S_OK)
		return false;
	used = moves_size;
	RECT *dirty = (RECT *)(d->metadata + used);
	if (IDXGIOutputDuplication_GetFrameDirtyRects(d->dup, total - used, dirty, &dirty_size) !=
	    S_OK)
		return false;
	size_t n_moves = moves_size / sizeof(*moves), n_dirty = dirty_size / sizeof(*dirty);
	if (n_moves + n_dirty > d->rects_cap) {
		size_t cap = n_moves + n_dirty;
		dxgi_rect *r = realloc(d->dirty, cap * sizeof(*r));
		if (r)
			d->dirty = r;
		dxgi_move *m = realloc(d->moves, cap * sizeof(*m));
		if (m)
			d->moves = m;
		if (!r || !m)
			return false;
		d->rects_cap = cap;
	}
	for (size_t i = 0; i < n_dirty; i++)
		d->dirty[i] = (dxgi_rect){dirty[i].left, dirty[i].top, dirty[i].right,
					  dirty[i].bottom};
	for (size_t i = 0; i < n_moves; i++) {
		RECT r = moves[i].DestinationRect;
		d->moves[i] = (dxgi_move){moves[i].SourcePoint.x, moves[i].SourcePoint.y,
					  {r.left, r.top, r.right, r.bottom}};
	}
	frame->dirty = d->dirty;
	frame->n_dirty = n_dirty;
	frame->moves = d->moves;
	frame->n_moves = n_moves;
	return true;
}

int dxgi_duplication_acquire(dxgi_duplication *d, int timeout_ms, dxgi_frame *frame,
			     char *why, size_t whylen)
{
	IDXGIResource *resource = NULL;
	HRESULT hr = IDXGIOutputDuplication_AcquireNextFrame(d->dup, (UINT)timeout_ms, &d->info,
							     &resource);

	memset(frame, 0, sizeof(*frame));
	if (hr == DXGI_ERROR_WAIT_TIMEOUT)
		return DXGI_NOTHING_NEW;
	if (hr == DXGI_ERROR_ACCESS_LOST)
		return DXGI_ACCESS_LOST;
	if (FAILED(hr)) {
		say_failed(why, whylen, "IDXGIOutputDuplication_AcquireNextFrame", hr);
		return -EIO;
	}
	hr = IDXGIResource_QueryInterface(resource, &IID_ID3D11Texture2D, (void **)&d->image);
	IDXGIResource_Release(resource);
	if (FAILED(hr)) {
		IDXGIOutputDuplication_ReleaseFrame(d->dup);
		say_failed(why, whylen, "the frame's ID3D11Texture2D", hr);
		return -EIO;
	}
	frame->picture = d->info.LastPresentTime.QuadPart != 0;
	if (frame->picture)
		frame->rects_lost = !read_metadata(d, frame);
	frame->pointer_moved = d->info.LastMouseUpdateTime.QuadPart != 0;
	frame->pointer_visible = d->info.PointerPosition.Visible;
	frame->pointer_x = d->info.PointerPosition.Position.x;
	frame->pointer_y = d->info.PointerPosition.Position.y;
	frame->pointer_shape = d->info.PointerShapeBufferSize != 0;
	return DXGI_ACQUIRED;
}

/* Copies image rectangle R into the staging texture, clipped to the image. */
static void stage_rect(dxgi_duplication *d, dxgi_rect r)
{
	LONG l = r.left < 0 ? 0 : r.left, t = r.top < 0 ? 0 : r.top;
	LONG rt = r.right > (LONG)d->image_w ? (LONG)d->image_w : r.right;
	LONG b = r.bottom > (LONG)d->image_h ? (LONG)d->image_h : r.bottom;

	if (rt <= l || b <= t)
		return;
	D3D11_BOX box = {(UINT)l, (UINT)t, 0, (UINT)rt, (UINT)b, 1};
	ID3D11DeviceContext_CopySubresourceRegion(d->context, (ID3D11Resource *)d->staging, 0,
						  (UINT)l, (UINT)t, 0, (ID3D11Resource *)d->image,
						  0, &box);
}

int dxgi_duplication_map(dxgi_duplication *d, const dxgi_rect *rects, size_t n,
			 const uint8_t **pixels, size_t *stride, char *why, size_t whylen)
{
	D3D11_TEXTURE2D_DESC desc;
	HRESULT hr;

	ID3D11Texture2D_GetDesc(d->image, &desc);
	if (desc.Width != d->image_w || desc.Height != d->image_h ||
	    desc.Format != DXGI_FORMAT_B8G8R8A8_UNORM) {
		snprintf(why, whylen, "the desktop image is %ux%u in DXGI format %d, not the "
			 "%ux%u BGRA (B8G8R8A8_UNORM) its monitor's place and rotation say; "
			 "please report this with the monitor's settings",
			 desc.Width, desc.Height, (int)desc.Format, d->image_w, d->image_h);
		return -EPROTO;
	}
	if (!d->staging) {
		desc.Usage = D3D11_USAGE_STAGING;
		desc.BindFlags = 0;
		desc.CPUAccessFlags = D3D11_CPU_ACCESS_READ;
		desc.MiscFlags = 0;
		desc.MipLevels = 1;
		desc.ArraySize = 1;
		desc.SampleDesc = (DXGI_SAMPLE_DESC){1, 0};
		hr = ID3D11Device_CreateTexture2D(d->device, &desc, NULL, &d->staging);
		if (FAILED(hr)) {
			say_failed(why, whylen, "ID3D11Device_CreateTexture2D (staging)", hr);
			return -EIO;
		}
		n = 0; /* a new staging texture holds nothing yet */
	}
	/* Only what changed crosses to the CPU's memory; the rest of the
	 * staging texture still holds the earlier frames. */
	if (n == 0)
		ID3D11DeviceContext_CopyResource(d->context, (ID3D11Resource *)d->staging,
						 (ID3D11Resource *)d->image);
	for (size_t i = 0; i < n; i++)
		stage_rect(d, rects[i]);
	D3D11_MAPPED_SUBRESOURCE mapped;
	hr = ID3D11DeviceContext_Map(d->context, (ID3D11Resource *)d->staging, 0, D3D11_MAP_READ,
				     0, &mapped);
	if (FAILED(hr)) {
		say_failed(why, whylen, "ID3D11DeviceContext_Map", hr);
		return -EIO;
	}
	*pixels = mapped.pData;
	*stride = mapped.RowPitch;
	return 0;
}

void dxgi_duplication_unmap(dxgi_duplication *d)
{
	ID3D11DeviceContext_Unmap(d->context, (ID3D11Resource *)d->staging, 0);
}

int dxgi_duplication_pointer_shape(dxgi_duplication *d, dxgi_pointer_shape *shape)
{
	UINT need = d->info.PointerShapeBufferSize, got = 0;

	if (need > d->shape_size) {
		uint8_t *more = realloc(d->shape, need);
		if (!more)
			return -ENOMEM;
		d->shape = more;
		d->shape_size = need;
	}
	if (IDXGIOutputDuplication_GetFramePointerShape(d->dup, d->shape_size, d->shape, &got,
							 &d->shape_info) != S_OK)
		return -EIO;
	*shape = (dxgi_pointer_shape){
		.type = d->shape_info.Type,
		.width = d->shape_info.Width,
		.height = d->shape_info.Height,
		.pitch = d->shape_info.Pitch,
		.hot_x = (uint32_t)d->shape_info.HotSpot.x,
		.hot_y = (uint32_t)d->shape_info.HotSpot.y,
		.bits = d->shape,
	};
	/* A pitch × height that does not fit what came is no shape. */
	if ((uint64_t)shape->pitch * shape->height > got)
		return -EIO;
	return 0;
}

void dxgi_duplication_release(dxgi_duplication *d)
{
	if (d->image) {
		ID3D11Texture2D_Release(d->image);
		d->image = NULL;
	}
	IDXGIOutputDuplication_ReleaseFrame(d->dup);
}

void dxgi_duplication_close(dxgi_duplication *d)
{
	if (!d)
		return;
	if (d->image)
		ID3D11Texture2D_Release(d->image);
	if (d->staging)
		ID3D11Texture2D_Release(d->staging);
	if (d->dup)
		IDXGIOutputDuplication_Release(d->dup);
	if (d->context)
		ID3D11DeviceContext_Release(d->context);
	if (d->device)
		ID3D11Device_Release(d->device);
	free(d->metadata);
	free(d->dirty);
	free(d->moves);
	free(d->shape);
	free(d);
}
