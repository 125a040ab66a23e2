/* SPDX-License-Identifier: MIT */
/* The customer's window: pages in a GtkStack, one question at a time. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gtk/gtk.h>

#include "code-entry.h"
#include "customer-words.h"
#include "gtk-window.h"
#include "gtk-x11.h"

/* The window's width in pixels, whatever the page and the language. */
#define WINDOW_WIDTH 480
/* Lines wrap at this many characters (of the label's own font): within
 * WINDOW_WIDTH less the page's padding, so no line asks for more. */
#define LINE_CHARS 40
#define TITLE_LINE_CHARS 30

struct customer_window {
	customer_session *session;
	GtkWindow *window;
	GtkStack *pages;
	/* waiting */
	GtkLabel *wait_words;
	GtkSpinner *spinner;
	/* the code */
	GtkEntry *code_entry;
	GtkLabel *code_problem; /* what the session said of the last code */
	GtkLabel *code_hint;    /* what is wrong with what is typed */
	guint regroup_source; /* pending regroup(), or 0 */
	bool reformatting;
	/* the question */
	GtkBox *question;
	GtkLabel *ask_who, *ask_verified, *ask_recorded, *ask_optional;
	GtkWidget *allow_unrecorded;
	/* the end */
	GtkLabel *end_why, *end_shared, *end_detail;
};

static GtkLabel *add_label(GtkBox *box, const char *words, const char *css_class)
{
	GtkWidget *label = gtk_label_new(words);

	gtk_label_set_wrap(GTK_LABEL(label), TRUE);
	/* Titles are in a larger font: fewer characters fill the line. */
	gtk_label_set_max_width_chars(GTK_LABEL(label),
				      css_class && strcmp(css_class, "kyoyu-title") == 0
					      ? TITLE_LINE_CHARS
					      : LINE_CHARS);
	gtk_label_set_xalign(GTK_LABEL(label), 0);
	if (css_class)
		gtk_widget_add_css_class(label, css_class);
	gtk_box_append(box, label);
	return GTK_LABEL(label);
}

static GtkBox *new_page(ui_gtk_window *w, const char *name)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);

	gtk_widget_add_css_class(box, "kyoyu-page");
	gtk_stack_add_named(w->pages, box, name);
	return GTK_BOX(box);
}

static GtkWidget *add_button(GtkBox *box, const char *mnemonic, const char *css_class,
			     GCallback clicked, ui_gtk_window *w)
{
	GtkWidget *button = gtk_button_new_with_mnemonic(mnemonic);

	if (css_class)
		gtk_widget_add_css_class(button, css_class);
	g_signal_connect(button, "clicked", clicked, w);
	gtk_box_append(box, button);
	return button;
}

static GtkBox *add_button_row(GtkBox *page)
{
	GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);

	gtk_widget_set_halign(row, GTK_ALIGN_END);
	gtk_widget_set_margin_top(row, 6);
	gtk_box_append(page, row);
	return GTK_BOX(row);
}

static void show_page(ui_gtk_window *w, const char *name)
{
	gtk_stack_set_visible_child_name(w->pages, name);
	if (strcmp(name, "waiting") == 0)
		gtk_spinner_start(w->spinner);
	else
		gtk_spinner_stop(w->spinner);
	gtk_window_present(w->window);
}

/* ---- the code ------------------------------------------------------------ */

/* WORDS under the field, or no line at all for "". */
static void hint(ui_gtk_window *w, const char *words)
{
	gtk_label_set_text(w->code_hint, words);
	gtk_widget_set_visible(GTK_WIDGET(w->code_hint), *words != '\0');
}

/* The digits among the first CHARS characters of TEXT. */
static size_t digits_before(const char *text, int chars)
{
	char *prefix = g_utf8_substring(text, 0, chars);
	ui_code code;

	ui_code_read(prefix, &code);
	size_t n = code.n;
	ui_code_clear(&code);
	g_free(prefix);
	return n;
}

/* After a change of the field: keep the digits, grouped as they are read
 * out, with the cursor after as many digits as before, and say why
 * anything else did not go in.  Run once the field has placed its cursor
 * after the change, before the next key is handled. */
static gboolean regroup(gpointer data)
{
	ui_gtk_window *w = data;
	GtkEditable *editable = GTK_EDITABLE(w->code_entry);
	const char *now = gtk_editable_get_text(editable);
	ui_code code;
	char text[UI_CODE_TEXT_MAX];

	w->regroup_source = 0;
	ui_code_read(now, &code);
	ui_code_format(&code, text);
	if (strcmp(text, now) != 0) {
		size_t k = digits_before(now, gtk_editable_get_position(editable));
		w->reformatting = true;
		gtk_editable_set_text(editable, text);
		gtk_editable_set_position(editable, (int)ui_code_position(k));
		w->reformatting = false;
	}
	if (code.stray)
		hint(w, customer_words(CUSTOMER_CODE_STRAY));
	else if (code.too_long)
		hint(w, customer_words(CUSTOMER_CODE_TOO_LONG));
	else
		hint(w, "");
	ui_code_clear(&code);
	memset(text, 0, sizeof(text));
	return G_SOURCE_REMOVE;
}

static void on_code_changed(GtkEditable *editable, gpointer data)
{
	ui_gtk_window *w = data;

	/* Above the priority of input events: no key lands in between. */
	if (!w->reformatting && !w->regroup_source)
		w->regroup_source = g_idle_add_full(G_PRIORITY_HIGH, regroup, w, NULL);
}

static void submit_code(ui_gtk_window *w)
{
	ui_code code;

	if (w->regroup_source) {
		g_source_remove(w->regroup_source);
		regroup(w);
	}
	ui_code_read(gtk_editable_get_text(GTK_EDITABLE(w->code_entry)), &code);
	if (code.n != UI_CODE_DIGITS) {
		hint(w, customer_words(CUSTOMER_CODE_INCOMPLETE));
		ui_code_clear(&code);
		return;
	}
	ui_gtk_window_wait(w, customer_words(CUSTOMER_CONNECTING));
	customer_session_code(w->session, code.digits);
	ui_code_clear(&code);
}

static void on_code_activate(GtkEntry *entry, gpointer data)
{
	submit_code(data);
}

static void on_connect_clicked(GtkButton *button, gpointer data)
{
	submit_code(data);
}

static void build_code_page(ui_gtk_window *w)
{
	GtkBox *page = new_page(w, "code");

	add_label(page, customer_words(CUSTOMER_CODE_TITLE), "kyoyu-title");
	add_label(page, customer_words(CUSTOMER_CODE_EXAMPLE), NULL);
	GtkWidget *entry = gtk_entry_new();
	w->code_entry = GTK_ENTRY(entry);
	gtk_widget_add_css_class(entry, "kyoyu-code");
	gtk_entry_set_input_purpose(w->code_entry, GTK_INPUT_PURPOSE_DIGITS);
	gtk_editable_set_alignment(GTK_EDITABLE(entry), 0.5);
	gtk_editable_set_width_chars(GTK_EDITABLE(entry), UI_CODE_TEXT_MAX);
	g_signal_connect(entry, "changed", G_CALLBACK(on_code_changed), w);
	g_signal_connect(entry, "activate", G_CALLBACK(on_code_activate), w);
	gtk_box_append(page, entry);
	w->code_problem = add_label(page, "", "kyoyu-hint");
	w->code_hint = add_label(page, "", "kyoyu-hint");
	gtk_widget_set_visible(GTK_WIDGET(w->code_hint), FALSE);
	GtkBox *row = add_button_row(page);
	add_button(row, customer_words(CUSTOMER_CONNECT), "suggested-action", G_CALLBACK(on_connect_clicked), w);
}

/* ---- the question -------------------------------------------------------- */

/* The question's words as the page shows them, its visible lines apart by
 * "\n", for the record of the customer's answer; g_free(). */
static char *question_words(ui_gtk_window *w)
{
	GString *words = g_string_new(NULL);

	for (GtkWidget *child = gtk_widget_get_first_child(GTK_WIDGET(w->question)); child;
	     child = gtk_widget_get_next_sibling(child)) {
		if (!GTK_IS_LABEL(child) || !gtk_widget_get_visible(child))
			continue;
		const char *text = gtk_label_get_text(GTK_LABEL(child));
		if (*text)
			g_string_append_printf(words, "%s%s", words->len ? "\n" : "", text);
	}
	return g_string_free(words, FALSE);
}

/* WORDS while the session takes ANSWER, sent with the question it answers. */
static void answer(ui_gtk_window *w, customer_answer a, customer_text words)
{
	ui_gtk_window_wait(w, customer_words(words));
	char *asked = question_words(w);
	customer_session_answer(w->session, a, asked);
	g_free(asked);
}

static void on_allow_clicked(GtkButton *button, gpointer data)
{
	answer(data, CUSTOMER_ANSWER_ALLOW, CUSTOMER_STARTING);
}

static void on_allow_unrecorded_clicked(GtkButton *button, gpointer data)
{
	answer(data, CUSTOMER_ANSWER_ALLOW_UNRECORDED, CUSTOMER_STARTING);
}

static void on_decline_clicked(GtkButton *button, gpointer data)
{
	answer(data, CUSTOMER_ANSWER_DECLINE, CUSTOMER_ENDING);
}

static void build_question_page(ui_gtk_window *w)
{
	GtkBox *page = new_page(w, "question");

	w->question = page;
	w->ask_who = add_label(page, "", "kyoyu-title");
	w->ask_verified = add_label(page, "", "kyoyu-verified");
	add_label(page, customer_words(CUSTOMER_ONLY_SEE), NULL);
	w->ask_recorded = add_label(page, customer_words(CUSTOMER_RECORDED), "kyoyu-recorded");
	w->ask_optional =
		add_label(page, customer_words(CUSTOMER_RECORDING_OPTIONAL), "kyoyu-recorded");
	add_label(page, customer_words(CUSTOMER_NOTHING_UNTIL_AGREED), NULL);
	GtkBox *row = add_button_row(page);
	add_button(row, customer_words(CUSTOMER_DECLINE), NULL, G_CALLBACK(on_decline_clicked), w);
	w->allow_unrecorded = add_button(row, customer_words(CUSTOMER_ALLOW_UNRECORDED), NULL,
					 G_CALLBACK(on_allow_unrecorded_clicked), w);
	add_button(row, customer_words(CUSTOMER_ALLOW), "suggested-action", G_CALLBACK(on_allow_clicked), w);
}

/* ---- waiting and the end ------------------------------------------------- */

static void build_waiting_page(ui_gtk_window *w)
{
	GtkBox *page = new_page(w, "waiting");
	GtkWidget *spinner = gtk_spinner_new();

	w->spinner = GTK_SPINNER(spinner);
	gtk_widget_set_size_request(spinner, 32, 32);
	gtk_widget_set_margin_top(spinner, 24);
	gtk_box_append(page, spinner);
	w->wait_words = add_label(page, "", NULL);
	gtk_label_set_xalign(w->wait_words, 0.5);
	gtk_widget_set_halign(GTK_WIDGET(w->wait_words), GTK_ALIGN_CENTER);
}

static void on_close_clicked(GtkButton *button, gpointer data)
{
	ui_gtk_window *w = data;

	customer_session_close(w->session);
}

static void build_end_page(ui_gtk_window *w)
{
	GtkBox *page = new_page(w, "end");

	add_label(page, customer_words(CUSTOMER_ENDED_TITLE), "kyoyu-title");
	w->end_why = add_label(page, "", NULL);
	w->end_shared = add_label(page, "", NULL);
	w->end_detail = add_label(page, "", "kyoyu-hint");
	GtkBox *row = add_button_row(page);
	add_button(row, customer_words(CUSTOMER_CLOSE), NULL, G_CALLBACK(on_close_clicked), w);
}

/* ---- the window ---------------------------------------------------------- */

static gboolean on_close_request(GtkWindow *window, gpointer data)
{
	ui_gtk_window *w = data;

	customer_session_close(w->session);
	return TRUE; /* the owner decides when it goes */
}

static void on_realize(GtkWidget *widget, gpointer data)
{
	ui_gtk_x11_name_window(GTK_WINDOW(widget), "main");
}

ui_gtk_window *ui_gtk_window_new(customer_session *session)
{
	ui_gtk_window *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->session = session;
	w->window = GTK_WINDOW(gtk_window_new());
	gtk_window_set_title(w->window, customer_words(CUSTOMER_WINDOW_TITLE));
	gtk_window_set_icon_name(w->window, "kyoyu");
	gtk_window_set_resizable(w->window, FALSE);
	g_signal_connect(w->window, "close-request", G_CALLBACK(on_close_request), w);
	g_signal_connect(w->window, "realize", G_CALLBACK(on_realize), w);
	w->pages = GTK_STACK(gtk_stack_new());
	gtk_stack_set_transition_type(w->pages, GTK_STACK_TRANSITION_TYPE_NONE);
	/* Each page as tall as it needs: no empty band under a short one.
	 * And as wide as the one shown needs: a stack as wide as its widest
	 * page measures the hidden pages for the height of the shown one, and
	 * a wrapping label given one short line's height asks for its whole
	 * text on one line (the window came out 765 pixels wide that way).
	 * Every page is WINDOW_WIDTH wide instead, its lines wrapping within. */
	gtk_stack_set_vhomogeneous(w->pages, FALSE);
	gtk_stack_set_hhomogeneous(w->pages, FALSE);
	gtk_widget_set_size_request(GTK_WIDGET(w->pages), WINDOW_WIDTH, -1);
	gtk_window_set_child(w->window, GTK_WIDGET(w->pages));
	build_waiting_page(w);
	build_code_page(w);
	build_question_page(w);
	build_end_page(w);
	return w;
}

void ui_gtk_window_free(ui_gtk_window *w)
{
	if (!w)
		return;
	if (w->regroup_source)
		g_source_remove(w->regroup_source);
	/* The field may still hold a code; no regroup() after this. */
	w->reformatting = true;
	gtk_editable_set_text(GTK_EDITABLE(w->code_entry), "");
	gtk_window_destroy(w->window);
	free(w);
}

void ui_gtk_window_wait(ui_gtk_window *w, const char *words)
{
	gtk_label_set_text(w->wait_words, words);
	show_page(w, "waiting");
}

void ui_gtk_window_ask_code(ui_gtk_window *w, unsigned failures)
{
	GtkEditable *entry = GTK_EDITABLE(w->code_entry);

	if (failures >= CUSTOMER_FAILURES_BEFORE_NEW_CODE)
		gtk_editable_set_text(entry, "");
	gtk_label_set_text(w->code_problem, customer_words_code_problem(failures));
	gtk_widget_set_visible(GTK_WIDGET(w->code_problem), failures > 0);
	show_page(w, "code");
	gtk_widget_grab_focus(GTK_WIDGET(w->code_entry));
	gtk_editable_select_region(entry, 0, -1);
}

void ui_gtk_window_ask_consent(ui_gtk_window *w, const char *asker, const char *verified,
			       customer_question question)
{
	bool recorded = question != CUSTOMER_ASK_UNRECORDED;
	char title[CUSTOMER_WORDS_MAX];

	customer_words_question(asker, recorded, title, sizeof(title));
	gtk_label_set_text(w->ask_who, title);
	gtk_label_set_text(w->ask_verified, verified ? verified : "");
	gtk_widget_set_visible(GTK_WIDGET(w->ask_verified), verified && *verified);
	gtk_widget_set_visible(GTK_WIDGET(w->ask_recorded), question == CUSTOMER_ASK_RECORDED);
	gtk_widget_set_visible(GTK_WIDGET(w->ask_optional),
			       question == CUSTOMER_ASK_RECORDING_OPTIONAL);
	gtk_widget_set_visible(w->allow_unrecorded, question == CUSTOMER_ASK_RECORDING_OPTIONAL);
	show_page(w, "question");
}

void ui_gtk_window_show_end(ui_gtk_window *w, const char *why, bool shared,
			    const char *detail)
{
	gtk_label_set_text(w->end_why, why);
	gtk_label_set_text(w->end_shared, customer_words_after(shared));
	gtk_label_set_text(w->end_detail, detail ? detail : "");
	gtk_widget_set_visible(GTK_WIDGET(w->end_detail), detail && *detail);
	/* The code is of no use any more. */
	gtk_editable_set_text(GTK_EDITABLE(w->code_entry), "");
	show_page(w, "end");
}

void ui_gtk_window_hide(ui_gtk_window *w)
{
	gtk_widget_set_visible(GTK_WIDGET(w->window), FALSE);
}
