/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>

#include "dxgi-damage.h"

/* R of the image turned into the picture (W × H), in 64 bits so that any
 * int32 Windows gives stays exact; the mapping is the one of Microsoft's
 * Desktop Duplication sample (DisplayManager::SetDirtyVert). */
static void turn(const dxgi_rect *r, int rotation, int64_t w, int64_t h, int64_t out[4])
{
	int64_t l = r->left, t = r->top, rt = r->right, b = r->bottom;

	switch (rotation) {
	case DXGI_DAMAGE_ROTATION_90:
		out[0] = w - b, out[1] = l, out[2] = w - t, out[3] = rt;
		break;
	case DXGI_DAMAGE_ROTATION_180:
		out[0] = w - rt, out[1] = h - b, out[2] = w - l, out[3] = h - t;
		break;
	case DXGI_DAMAGE_ROTATION_270:
		out[0] = t, out[1] = h - rt, out[2] = b, out[3] = h - l;
		break;
	default:
		out[0] = l, out[1] = t, out[2] = rt, out[3] = b;
		break;
	}
}

/* Adds R, turned and clipped; returns 1 when it was not wholly inside. */
static int add(kyoyu_region *damage, const dxgi_rect *r, int rotation, int64_t w, int64_t h)
{
	int64_t c[4];

	turn(r, rotation, w, h, c);
	int outside = c[0] < 0 || c[1] < 0 || c[2] > w || c[3] > h || c[2] <= c[0] ||
		      c[3] <= c[1];
	int64_t l = c[0] < 0 ? 0 : c[0], t = c[1] < 0 ? 0 : c[1];
	int64_t rt = c[2] > w ? w : c[2], b = c[3] > h ? h : c[3];
	if (rt > l && b > t)
		kyoyu_region_add(damage, (kyoyu_rect){(int32_t)l, (int32_t)t, (int32_t)(rt - l),
						      (int32_t)(b - t)});
	return outside;
}

int dxgi_damage_from_frame(const dxgi_rect *dirty, size_t n_dirty, const dxgi_move *moves,
			   size_t n_moves, int rotation, uint32_t width, uint32_t height,
			   kyoyu_region *damage)
{
	int outside = 0;

	kyoyu_region_clear(damage);
	if (rotation < DXGI_DAMAGE_ROTATION_UNSPECIFIED || rotation > DXGI_DAMAGE_ROTATION_270) {
		kyoyu_region_set_full(damage, (int32_t)width, (int32_t)height);
		return -EINVAL;
	}
	for (size_t i = 0; i < n_moves; i++)
		outside += add(damage, &moves[i].destination, rotation, width, height);
	for (size_t i = 0; i < n_dirty; i++)
		outside += add(damage, &dirty[i], rotation, width, height);
	return outside;
}
