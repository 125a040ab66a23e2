/* SPDX-License-Identifier: MIT */
/* Damage regions: a bounded list of rectangles whose union is what changed. */
#include "config.h"

#include <string.h>

#include <kyoyu/frame.h>

static int64_t area(kyoyu_rect r)
{
	return (int64_t)r.w * r.h;
}

static kyoyu_rect bounding(kyoyu_rect a, kyoyu_rect b)
{
	int32_t x0 = a.x < b.x ? a.x : b.x;
	int32_t y0 = a.y < b.y ? a.y : b.y;
	int64_t ax1 = (int64_t)a.x + a.w, bx1 = (int64_t)b.x + b.w;
	int64_t ay1 = (int64_t)a.y + a.h, by1 = (int64_t)b.y + b.h;
	int64_t x1 = ax1 > bx1 ? ax1 : bx1;
	int64_t y1 = ay1 > by1 ? ay1 : by1;
	return (kyoyu_rect){x0, y0, (int32_t)(x1 - x0), (int32_t)(y1 - y0)};
}

static bool contains(kyoyu_rect outer, kyoyu_rect inner)
{
	return inner.x >= outer.x && inner.y >= outer.y &&
	       (int64_t)inner.x + inner.w <= (int64_t)outer.x + outer.w &&
	       (int64_t)inner.y + inner.h <= (int64_t)outer.y + outer.h;
}

static void remove_at(kyoyu_region *region, uint32_t i)
{
	region->rects[i] = region->rects[--region->n];
}

void kyoyu_region_clear(kyoyu_region *region)
{
	region->n = 0;
}

void kyoyu_region_set_full(kyoyu_region *region, int32_t width, int32_t height)
{
	region->n = 0;
	kyoyu_region_add(region, (kyoyu_rect){0, 0, width, height});
}

/* Merges the pair of RECTS whose bounding box adds the least area that
 * neither covered, so a full region loses as little precision as it can.
 * Returns the new count (N - 1). */
static uint32_t merge_cheapest_pair(kyoyu_rect *rects, uint32_t n)
{
	uint32_t best_i = 0, best_j = 1;
	int64_t best_waste = INT64_MAX;

	for (uint32_t i = 0; i < n; i++) {
		for (uint32_t j = i + 1; j < n; j++) {
			kyoyu_rect b = bounding(rects[i], rects[j]);
			int64_t waste = area(b) - area(rects[i]) - area(rects[j]);
			if (waste < best_waste) {
				best_waste = waste;
				best_i = i;
				best_j = j;
			}
		}
	}
	rects[best_i] = bounding(rects[best_i], rects[best_j]);
	rects[best_j] = rects[--n];
	return n;
}

void kyoyu_region_add(kyoyu_region *region, kyoyu_rect rect)
{
	if (rect.w <= 0 || rect.h <= 0)
		return;
	for (uint32_t i = 0; i < region->n; i++)
		if (contains(region->rects[i], rect))
			return;
	for (uint32_t i = 0; i < region->n;) {
		if (contains(rect, region->rects[i]))
			remove_at(region, i);
		else
			i++;
	}
	if (region->n < KYOYU_REGION_MAX_RECTS) {
		region->rects[region->n++] = rect;
		return;
	}
	/* Full: the new rectangle competes too, so a small change next to
	 * an old one joins it instead of forcing two distant ones together. */
	kyoyu_rect all[KYOYU_REGION_MAX_RECTS + 1];
	memcpy(all, region->rects, sizeof(region->rects));
	all[KYOYU_REGION_MAX_RECTS] = rect;
	region->n = merge_cheapest_pair(all, KYOYU_REGION_MAX_RECTS + 1);
	memcpy(region->rects, all, sizeof(region->rects));
}

void kyoyu_region_union(kyoyu_region *dst, const kyoyu_region *src)
{
	for (uint32_t i = 0; i < src->n && i < KYOYU_REGION_MAX_RECTS; i++)
		kyoyu_region_add(dst, src->rects[i]);
}

void kyoyu_region_clip(kyoyu_region *region, int32_t width, int32_t height)
{
	for (uint32_t i = 0; i < region->n;) {
		kyoyu_rect *r = &region->rects[i];
		int64_t x0 = r->x < 0 ? 0 : r->x, y0 = r->y < 0 ? 0 : r->y;
		int64_t x1 = (int64_t)r->x + r->w, y1 = (int64_t)r->y + r->h;
		if (x1 > width)
			x1 = width;
		if (y1 > height)
			y1 = height;
		if (x1 <= x0 || y1 <= y0) {
			remove_at(region, i);
			continue;
		}
		*r = (kyoyu_rect){(int32_t)x0, (int32_t)y0, (int32_t)(x1 - x0),
				  (int32_t)(y1 - y0)};
		i++;
	}
}

kyoyu_rect kyoyu_region_bounds(const kyoyu_region *region)
{
	if (region->n == 0)
		return (kyoyu_rect){0, 0, 0, 0};
	kyoyu_rect b = region->rects[0];
	for (uint32_t i = 1; i < region->n; i++)
		b = bounding(b, region->rects[i]);
	return b;
}

uint64_t kyoyu_region_area(const kyoyu_region *region)
{
	uint64_t total = 0;

	for (uint32_t i = 0; i < region->n; i++)
		total += (uint64_t)area(region->rects[i]);
	return total;
}
