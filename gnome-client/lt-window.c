/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtWindow: the main window.  For now its header bar and the state of
 * the connection to liaotiand; the sidebar and the room view follow
 * (docs/DESIGN-client.md). */
#include "config.h"

#include "lt-window.h"

#include <glib/gi18n.h>

struct _LtWindow
{
  AdwApplicationWindow parent_instance;

  AdwWindowTitle *title;
};

G_DEFINE_FINAL_TYPE (LtWindow, lt_window, ADW_TYPE_APPLICATION_WINDOW)

LtWindow *
lt_window_new (LtApplication *application)
{
  return g_object_new (LT_TYPE_WINDOW, "application", application, NULL);
}

static void
lt_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), LT_TYPE_WINDOW);

  G_OBJECT_CLASS (lt_window_parent_class)->dispose (object);
}

static void
lt_window_class_init (LtWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = lt_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-window.ui");
  gtk_widget_class_bind_template_child (widget_class, LtWindow, title);
}

static void
lt_window_init (LtWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
