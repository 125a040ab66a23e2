/* SPDX-License-Identifier: MIT */
/* The sharing bar: an undecorated window kept above the others. */
#include "config.h"

#include <stdlib.h>

#include <gtk/gtk.h>

#include "customer-words.h"
#include "gtk-bar.h"
#include "gtk-x11.h"

/* The width of the line that says who sees the screen, in characters. */
#define STATUS_CHARS 44

struct customer_bar {
	customer_session *session;
	GtkWindow *window;
	GtkWidget *strip; /* coloured: red while shared, amber while paused */
	GtkLabel *status, *time_left, *warning, *news;
	GtkButton *pause;
	char *operator_name;
	bool paused, lost;
	bool placed; /* moved to the top centre since it was last shown */
};

static void describe(ui_gtk_bar *b)
{
	char words[CUSTOMER_WORDS_MAX];

	customer_words_bar_status(b->lost, b->paused, b->operator_name, words, sizeof(words));
	gtk_label_set_text(b->status, words);
	gtk_button_set_label(b->pause, customer_words(b->paused ? CUSTOMER_RESUME : CUSTOMER_PAUSE));
	if (b->paused)
		gtk_widget_add_css_class(b->strip, "paused");
	else
		gtk_widget_remove_css_class(b->strip, "paused");
}

static void on_pause_clicked(GtkButton *button, gpointer data)
{
	ui_gtk_bar *b = data;

	/* The state on the bus says when it happened; the bar follows it. */
	if (b->paused)
		customer_session_resume(b->session);
	else
		customer_session_pause(b->session);
}

static void on_stop_clicked(GtkButton *button, gpointer data)
{
	ui_gtk_bar *b = data;

	customer_session_stop(b->session);
}

/* Closing the bar (a window manager's Alt+F4) stops sharing, as Stop does:
 * a person who closes it does not expect to be still shared. */
static gboolean on_close_request(GtkWindow *window, gpointer data)
{
	ui_gtk_bar *b = data;

	customer_session_stop(b->session);
	return TRUE;
}

static void on_realize(GtkWidget *widget, gpointer data)
{
	ui_gtk_x11_name_window(GTK_WINDOW(widget), "bar");
}

/* Placed once its size is known (its first layout after being shown), so
 * a bar the customer dragged aside stays where they put it. */
static void on_layout(GdkSurface *surface, int width, int height, gpointer data)
{
	ui_gtk_bar *b = data;

	if (b->placed || width <= 1)
		return;
	b->placed = true;
	ui_gtk_x11_place_top_centre(b->window);
}

static void on_map(GtkWidget *widget, gpointer data)
{
	ui_gtk_bar *b = data;
	GdkSurface *surface = gtk_native_get_surface(GTK_NATIVE(widget));

	/* GTK has asked for the window to be mapped: the window manager
	 * manages it before it reads what follows on the same connection. */
	if (!ui_gtk_x11_keep_above(GTK_WINDOW(widget)))
		g_info("not on X11: the sharing bar cannot ask to stay above other windows");
	if (!g_signal_handler_find(surface, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0,
				   NULL, on_layout, b))
		g_signal_connect(surface, "layout", G_CALLBACK(on_layout), b);
	on_layout(surface, gdk_surface_get_width(surface), gdk_surface_get_height(surface), b);
}

static GtkWidget *new_label(const char *css_class)
{
	GtkWidget *label = gtk_label_new("");

	/* Long words wrap instead of widening the bar across the screen. */
	gtk_label_set_wrap(GTK_LABEL(label), TRUE);
	gtk_label_set_max_width_chars(GTK_LABEL(label), 50);

	if (css_class)
		gtk_widget_add_css_class(label, css_class);
	return label;
}

ui_gtk_bar *ui_gtk_bar_new(customer_session *session)
{
	ui_gtk_bar *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->session = session;
	b->window = GTK_WINDOW(gtk_window_new());
	gtk_window_set_title(b->window, customer_words(CUSTOMER_BAR_TITLE));
	gtk_window_set_icon_name(b->window, "kyoyu");
	gtk_window_set_decorated(b->window, FALSE);
	gtk_window_set_resizable(b->window, FALSE);
	g_signal_connect(b->window, "close-request", G_CALLBACK(on_close_request), b);
	g_signal_connect(b->window, "realize", G_CALLBACK(on_realize), b);
	g_signal_connect(b->window, "map", G_CALLBACK(on_map), b);

	/* The whole bar is a handle: dragging it moves it out of the way. */
	GtkWidget *handle = gtk_window_handle_new();
	GtkWidget *column = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_window_handle_set_child(GTK_WINDOW_HANDLE(handle), column);
	gtk_window_set_child(b->window, handle);

	GtkWidget *warning = new_label("kyoyu-warning");
	b->warning = GTK_LABEL(warning);
	gtk_widget_set_visible(warning, FALSE);
	gtk_box_append(GTK_BOX(column), warning);
	GtkWidget *news = new_label("kyoyu-warning");
	b->news = GTK_LABEL(news);
	gtk_widget_set_visible(news, FALSE);
	gtk_box_append(GTK_BOX(column), news);

	/* Two rows: who sees the screen, then the time left and the buttons.
	 * One row was 730 pixels wide with an operator's name and
	 * organisation, and ran under the overlay's badge on a 1280-pixel
	 * screen. */
	b->strip = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	gtk_widget_add_css_class(b->strip, "kyoyu-bar");
	gtk_box_append(GTK_BOX(column), b->strip);
	GtkWidget *status = new_label("kyoyu-status");
	b->status = GTK_LABEL(status);
	/* As wide whatever it says, so the bar keeps its place when paused;
	 * a longer name wraps once, then is cut. */
	gtk_label_set_width_chars(b->status, STATUS_CHARS);
	gtk_label_set_max_width_chars(b->status, STATUS_CHARS);
	gtk_label_set_lines(b->status, 2);
	gtk_label_set_ellipsize(b->status, PANGO_ELLIPSIZE_END);
	gtk_label_set_xalign(b->status, 0);
	gtk_box_append(GTK_BOX(b->strip), status);
	GtkWidget *controls = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	gtk_box_append(GTK_BOX(b->strip), controls);
	GtkWidget *time_left = new_label("kyoyu-time");
	b->time_left = GTK_LABEL(time_left);
	/* Room for "1:05:00 left" from the start: the text comes after the
	 * bar is laid out, and a shown window does not grow for a label. */
	gtk_label_set_width_chars(b->time_left, 12);
	gtk_label_set_xalign(b->time_left, 0);
	gtk_widget_set_hexpand(time_left, TRUE);
	gtk_box_append(GTK_BOX(controls), time_left);
	GtkWidget *pause = gtk_button_new_with_mnemonic(customer_words(CUSTOMER_PAUSE));
	b->pause = GTK_BUTTON(pause);
	g_signal_connect(pause, "clicked", G_CALLBACK(on_pause_clicked), b);
	gtk_box_append(GTK_BOX(controls), pause);
	GtkWidget *stop = gtk_button_new_with_mnemonic(customer_words(CUSTOMER_STOP));
	gtk_widget_add_css_class(stop, "kyoyu-stop");
	g_signal_connect(stop, "clicked", G_CALLBACK(on_stop_clicked), b);
	gtk_box_append(GTK_BOX(controls), stop);
	return b;
}

void ui_gtk_bar_free(ui_gtk_bar *b)
{
	if (!b)
		return;
	gtk_window_destroy(b->window);
	g_free(b->operator_name);
	free(b);
}

void ui_gtk_bar_show(ui_gtk_bar *b, const char *operator_name)
{
	g_free(b->operator_name);
	b->operator_name = g_strdup(operator_name);
	b->placed = false;
	describe(b);
	gtk_window_present(b->window);
}

void ui_gtk_bar_hide(ui_gtk_bar *b)
{
	gtk_widget_set_visible(GTK_WIDGET(b->window), FALSE);
}

void ui_gtk_bar_set_paused(ui_gtk_bar *b, bool paused)
{
	b->paused = paused;
	describe(b);
}

void ui_gtk_bar_set_link_lost(ui_gtk_bar *b, bool lost)
{
	b->lost = lost;
	describe(b);
}

void ui_gtk_bar_set_time_left(ui_gtk_bar *b, int64_t seconds)
{
	char words[CUSTOMER_WORDS_MAX];

	customer_words_time_left(seconds, words, sizeof(words));
	gtk_label_set_text(b->time_left, words);
}

void ui_gtk_bar_warn(ui_gtk_bar *b, const char *words)
{
	gtk_label_set_text(b->warning, words);
	gtk_widget_set_visible(GTK_WIDGET(b->warning), TRUE);
}

void ui_gtk_bar_tell(ui_gtk_bar *b, const char *words)
{
	if (words)
		gtk_label_set_text(b->news, words);
	gtk_widget_set_visible(GTK_WIDGET(b->news), words != NULL);
}
