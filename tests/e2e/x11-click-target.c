/* SPDX-License-Identifier: MIT */
/* x11-click-target W H: an ordinary window at 0,0 that prints "ready",
 * then "press X Y" for every button press it receives, so a test can check
 * that clicks pass through kyoyu's overlay to the customer's windows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xcb/xcb.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: x11-click-target WIDTH HEIGHT\n");
		return 2;
	}
	xcb_connection_t *conn = xcb_connect(NULL, NULL);
	if (xcb_connection_has_error(conn)) {
		fprintf(stderr, "x11-click-target: no display\n");
		return 1;
	}
	xcb_screen_t *screen = xcb_setup_roots_iterator(xcb_get_setup(conn)).data;
	xcb_window_t win = xcb_generate_id(conn);
	uint32_t values[] = {0x00d0d8e0, 1,
			     XCB_EVENT_MASK_BUTTON_PRESS | XCB_EVENT_MASK_EXPOSURE};
	xcb_create_window(conn, XCB_COPY_FROM_PARENT, win, screen->root, 0, 0,
			  (uint16_t)atoi(argv[1]), (uint16_t)atoi(argv[2]), 0,
			  XCB_WINDOW_CLASS_INPUT_OUTPUT, screen->root_visual,
			  XCB_CW_BACK_PIXEL | XCB_CW_OVERRIDE_REDIRECT | XCB_CW_EVENT_MASK,
			  values);
	xcb_change_property(conn, XCB_PROP_MODE_REPLACE, win, XCB_ATOM_WM_NAME,
			    XCB_ATOM_STRING, 8, 12, "click target");
	xcb_map_window(conn, win);
	xcb_flush(conn);
	printf("ready\n");
	fflush(stdout);
	xcb_generic_event_t *ev;
	while ((ev = xcb_wait_for_event(conn))) {
		if ((ev->response_type & 0x7f) == XCB_BUTTON_PRESS) {
			xcb_button_press_event_t *b = (xcb_button_press_event_t *)ev;
			printf("press %d %d\n", b->event_x, b->event_y);
			fflush(stdout);
		}
		free(ev);
	}
	xcb_disconnect(conn);
	return 0;
}
