/* The customer's window before and after sharing, one page at a time: the
 * code, who asks to see the screen (Allow / Decline), how it ended.  While
 * the screen is shared it is hidden and the bar (gtk-bar.h) shows instead.
 * Everything here runs on the thread that runs GTK. */
#ifndef UI_GTK_WINDOW_H
#define UI_GTK_WINDOW_H

#include <stdbool.h>

/* What the customer did; CTX is what ui_gtk_window_new() was given. */
typedef struct ui_gtk_window_actions {
	void (*code)(void *ctx, const char *digits); /* the 9 digits, ASCII */
	void (*answer)(void *ctx, bool allow);
	void (*close)(void *ctx); /* the window's close button or Close */
} ui_gtk_window_actions;

typedef struct ui_gtk_window ui_gtk_window;

/* The window, not shown yet; NULL when GTK could not make it. */
ui_gtk_window *ui_gtk_window_new(const ui_gtk_window_actions *actions, void *ctx);
void ui_gtk_window_free(ui_gtk_window *window);

/* A spinner and WORDS ("Connecting to the support team…"). */
void ui_gtk_window_wait(ui_gtk_window *window, const char *words);

/* Asks for the code; FAILURES is how many codes did not work so far. */
void ui_gtk_window_ask_code(ui_gtk_window *window, unsigned failures);

/* Asks whether OPERATOR (a name, or NULL when none came) may see, and when
 * RECORDED record, the screen. */
void ui_gtk_window_ask_consent(ui_gtk_window *window, const char *operator_name,
			       bool recorded);

/* How the session ended: WHY in plain words, SHARED whether anything was
 * shown, DETAIL a line of detail or NULL. */
void ui_gtk_window_show_end(ui_gtk_window *window, const char *why, bool shared,
			    const char *detail);

void ui_gtk_window_hide(ui_gtk_window *window);

#endif
