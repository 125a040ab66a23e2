/* SPDX-License-Identifier: MIT */
/* capture/x11: taking what changed from the root window's damage object. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <xcb/damage.h>
#include <xcb/xfixes.h>

#define KYOYU_LOG_COMPONENT "capture/x11"
#include <kyoyu/kyoyu.h>

#include "x11-damage.h"

/* Past this many rectangles (a scrolled page of text) their bounding box
 * is as good and much cheaper to merge. */
#define MAX_FETCHED_RECTS 64

void x11_damage_start(x11_damage *dmg, x11_display *d)
{
	dmg->display = d;
	dmg->damage = xcb_generate_id(d->conn);
	dmg->region = xcb_generate_id(d->conn);
	/* NON_EMPTY: one event when the damage stops being empty, then
	 * silence until we take it, however much keeps changing. */
	xcb_damage_create(d->conn, dmg->damage, d->root, XCB_DAMAGE_REPORT_LEVEL_NON_EMPTY);
	xcb_xfixes_create_region(d->conn, dmg->region, 0, NULL);
	dmg->notified = false;
}

void x11_damage_stop(x11_damage *dmg)
{
	if (!dmg->damage)
		return;
	xcb_damage_destroy(dmg->display->conn, dmg->damage);
	xcb_xfixes_destroy_region(dmg->display->conn, dmg->region);
	dmg->damage = dmg->region = 0;
}

bool x11_damage_is_event(x11_damage *dmg, const xcb_generic_event_t *ev)
{
	if ((ev->response_type & 0x7f) != dmg->display->damage_event + XCB_DAMAGE_NOTIFY)
		return false;
	dmg->notified = true;
	return true;
}

static void add_clipped(kyoyu_region *out, const x11_area *area, int32_t x, int32_t y,
			int32_t w, int32_t h)
{
	kyoyu_region one;

	kyoyu_region_clear(&one);
	kyoyu_region_add(&one, (kyoyu_rect){x - area->x, y - area->y, w, h});
	kyoyu_region_clip(&one, (int32_t)area->width, (int32_t)area->height);
	kyoyu_region_union(out, &one);
}

uint32_t x11_damage_ask(x11_damage *dmg)
{
	xcb_connection_t *c = dmg->display->conn;

	dmg->notified = false;
	xcb_damage_subtract(c, dmg->damage, XCB_NONE, dmg->region);
	return xcb_xfixes_fetch_region(c, dmg->region).sequence;
}

int x11_damage_take(x11_damage *dmg, const x11_area *area, kyoyu_region *out)
{
	return x11_damage_collect(dmg, x11_damage_ask(dmg), area, out);
}

int x11_damage_collect(x11_damage *dmg, uint32_t asked, const x11_area *area,
		       kyoyu_region *out)
{
	xcb_connection_t *c = dmg->display->conn;
	xcb_xfixes_fetch_region_cookie_t cookie = {asked};

	kyoyu_region_clear(out);
	xcb_xfixes_fetch_region_reply_t *r = xcb_xfixes_fetch_region_reply(c, cookie, NULL);
	if (!r)
		return x11_display_check(dmg->display);
	int n = xcb_xfixes_fetch_region_rectangles_length(r);
	if (n > MAX_FETCHED_RECTS) {
		add_clipped(out, area, r->extents.x, r->extents.y, r->extents.width,
			    r->extents.height);
	} else {
		const xcb_rectangle_t *rects = xcb_xfixes_fetch_region_rectangles(r);
		for (int i = 0; i < n; i++)
			add_clipped(out, area, rects[i].x, rects[i].y, rects[i].width,
				    rects[i].height);
	}
	free(r);
	return 0;
}

void x11_damage_discard(x11_damage *dmg)
{
	dmg->notified = false;
	xcb_damage_subtract(dmg->display->conn, dmg->damage, XCB_NONE, XCB_NONE);
}
