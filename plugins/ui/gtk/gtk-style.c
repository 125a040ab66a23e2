/* SPDX-License-Identifier: MIT */
/* The customer's windows' style sheet. */
#include "config.h"

#include <gtk/gtk.h>

#include "gtk-style.h"

static const char css[] =
	".kyoyu-page { padding: 24px; }\n"
	".kyoyu-title { font-size: 16pt; font-weight: bold; }\n"
	".kyoyu-code { font-size: 28pt; font-family: monospace; padding: 6px; }\n"
	".kyoyu-hint { color: #b71c1c; }\n"
	".kyoyu-recorded { font-weight: bold; }\n"
	".kyoyu-verified { color: #1b5e20; }\n"
	".kyoyu-bar { background: #c62828; color: #ffffff; padding: 6px 10px; }\n"
	".kyoyu-bar.paused { background: #f9a825; color: #202020; }\n"
	".kyoyu-bar button { background: #ffffff; color: #202020; font-weight: bold; }\n"
	".kyoyu-bar button.kyoyu-stop { background: #202020; color: #ffffff; }\n"
	".kyoyu-status { font-weight: bold; font-size: 12pt; }\n"
	".kyoyu-time { font-family: monospace; font-size: 12pt; }\n"
	".kyoyu-warning { background: #ffe082; color: #202020; font-weight: bold;"
	" padding: 4px 10px; }\n";

void ui_gtk_style_install(void)
{
	GtkCssProvider *provider = gtk_css_provider_new();

	gtk_css_provider_load_from_data(provider, css, -1);
	gtk_style_context_add_provider_for_display(gdk_display_get_default(),
						   GTK_STYLE_PROVIDER(provider),
						   GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
	g_object_unref(provider);
}
