/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtLoginView: log in, create an account, or reset a forgotten
 * password (ask for a code by email, then the code and a new
 * password), each a page of a GtkStack.
 *
 * The calls go to liaotiand (docs/DBUS.md §5) asynchronously; while one
 * runs its button shows a spinner and the form is insensitive.  An
 * error is shown in words: next to the row it concerns (the row styled
 * as an error, the sentence under its group), or above the form when it
 * concerns no row of the page.  A successful Login changes the
 * daemon's State, which the window follows: the view does not. */
#include "config.h"

#include "lt-error-text.h"
#include "lt-login-view.h"

#include <glib/gi18n.h>
#include <string.h>

#define USERNAME_MIN 3
#define USERNAME_MAX 32
#define PASSWORD_MIN 8

struct _LtLoginView
{
  AdwBin parent_instance;

  LtChat1 *chat;
  GCancellable *cancellable;
  GtkButton *busy_button; /* the button of the call under way */
  char *busy_label;

  AdwToastOverlay *toasts;
  GtkLabel *general_error;
  GtkStack *pages;

  AdwEntryRow *login_username;
  AdwEntryRow *login_password;
  GtkLabel *login_error;
  GtkButton *login_button;

  AdwEntryRow *register_nickname;
  AdwEntryRow *register_username;
  AdwEntryRow *register_password;
  AdwEntryRow *register_email;
  AdwEntryRow *register_phone;
  GtkLabel *register_error;
  GtkButton *register_button;

  AdwEntryRow *reset_email;
  GtkLabel *reset_request_error;
  GtkButton *reset_request_button;

  AdwEntryRow *reset_token;
  AdwEntryRow *reset_password;
  GtkLabel *reset_confirm_error;
  GtkButton *reset_confirm_button;
};

G_DEFINE_FINAL_TYPE (LtLoginView, lt_login_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CHAT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The rows of each page by the field an error concerns. */
typedef struct
{
  const char *page;
  LtErrorField field;
  goffset row;
} FieldRow;

#define FIELD_ROW(page, field, member) \
  { page, LT_ERROR_FIELD_##field, G_STRUCT_OFFSET (LtLoginView, member) }

static const FieldRow field_rows[] = {
  FIELD_ROW ("login", USERNAME, login_username),
  FIELD_ROW ("login", PASSWORD, login_password),
  FIELD_ROW ("register", NICKNAME, register_nickname),
  FIELD_ROW ("register", USERNAME, register_username),
  FIELD_ROW ("register", PASSWORD, register_password),
  FIELD_ROW ("register", EMAIL, register_email),
  FIELD_ROW ("reset-request", EMAIL, reset_email),
  FIELD_ROW ("reset-confirm", TOKEN, reset_token),
  FIELD_ROW ("reset-confirm", PASSWORD, reset_password),
};

/* The label under each page's group, for the errors of its rows. */
typedef struct
{
  const char *page;
  goffset label;
} PageLabel;

static const PageLabel page_labels[] = {
  { "login", G_STRUCT_OFFSET (LtLoginView, login_error) },
  { "register", G_STRUCT_OFFSET (LtLoginView, register_error) },
  { "reset-request", G_STRUCT_OFFSET (LtLoginView, reset_request_error) },
  { "reset-confirm", G_STRUCT_OFFSET (LtLoginView, reset_confirm_error) },
};

GtkWidget *
lt_login_view_new (void)
{
  return g_object_new (LT_TYPE_LOGIN_VIEW, NULL);
}

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static gboolean
has_text (AdwEntryRow *row)
{
  return *text_of (row) != '\0';
}

static const char *
current_page (LtLoginView *self)
{
  return gtk_stack_get_visible_child_name (self->pages);
}

static GtkWidget *
row_for_field (LtLoginView  *self,
               const char   *page,
               LtErrorField  field)
{
  for (guint i = 0; i < G_N_ELEMENTS (field_rows); i++)
    {
      if (field_rows[i].field == field && g_str_equal (field_rows[i].page, page))
        return G_STRUCT_MEMBER (GtkWidget *, self, field_rows[i].row);
    }
  return NULL;
}

static GtkLabel *
label_for_page (LtLoginView *self,
                const char  *page)
{
  for (guint i = 0; i < G_N_ELEMENTS (page_labels); i++)
    {
      if (g_str_equal (page_labels[i].page, page))
        return G_STRUCT_MEMBER (GtkLabel *, self, page_labels[i].label);
    }
  g_return_val_if_reached (NULL);
}

static void
clear_errors (LtLoginView *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (field_rows); i++)
    gtk_widget_remove_css_class (G_STRUCT_MEMBER (GtkWidget *, self, field_rows[i].row), "error");
  for (guint i = 0; i < G_N_ELEMENTS (page_labels); i++)
    gtk_widget_set_visible (G_STRUCT_MEMBER (GtkWidget *, self, page_labels[i].label), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->general_error), FALSE);
}

static void
show_label (GtkLabel   *label,
            const char *text)
{
  gtk_label_set_label (label, text);
  gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
}

/* @text next to the row of @field on the current page, or above the
 * form if the page has no such row. */
static void
show_field_error (LtLoginView  *self,
                  LtErrorField  field,
                  const char   *text)
{
  const char *page = current_page (self);
  GtkWidget *row = row_for_field (self, page, field);

  if (row == NULL)
    {
      show_label (self->general_error, text);
      return;
    }
  gtk_widget_add_css_class (row, "error");
  show_label (label_for_page (self, page), text);
  gtk_widget_grab_focus (row);
}

static void
show_error (LtLoginView  *self,
            const GError *error)
{
  LtErrorField field;
  const char *text = lt_error_text_for_error (error, &field);

  g_debug ("Call failed: %s", error->message);
  show_field_error (self, field, text);
}

static void
show_toast (LtLoginView *self,
            const char  *text)
{
  adw_toast_overlay_add_toast (self->toasts, adw_toast_new (text));
}

/* Whether each action's form is filled in enough to send. */
static gboolean
login_ready (LtLoginView *self)
{
  return has_text (self->login_username) && has_text (self->login_password);
}

static gboolean
register_ready (LtLoginView *self)
{
  return has_text (self->register_nickname) && has_text (self->register_username)
         && has_text (self->register_password) && has_text (self->register_email);
}

static gboolean
reset_request_ready (LtLoginView *self)
{
  return has_text (self->reset_email);
}

static gboolean
reset_confirm_ready (LtLoginView *self)
{
  return has_text (self->reset_email) && has_text (self->reset_token)
         && has_text (self->reset_password);
}

static void
update_actions (LtLoginView *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  gboolean can_call = self->chat != NULL && self->busy_button == NULL;

  gtk_widget_action_set_enabled (widget, "login.log-in", can_call && login_ready (self));
  gtk_widget_action_set_enabled (widget, "login.register", can_call && register_ready (self));
  gtk_widget_action_set_enabled (widget, "login.request-reset",
                                 can_call && reset_request_ready (self));
  gtk_widget_action_set_enabled (widget, "login.confirm-reset",
                                 can_call && reset_confirm_ready (self));
}

/* The form insensitive and a spinner in @button until end_call(). */
static void
begin_call (LtLoginView *self,
            GtkButton   *button)
{
  GtkWidget *spinner = gtk_spinner_new ();

  clear_errors (self);
  /* Unfocused first: a focused GtkText made insensitive warns. */
  gtk_root_set_focus (gtk_widget_get_root (GTK_WIDGET (self)), NULL);
  self->busy_button = button;
  self->busy_label = g_strdup (gtk_button_get_label (button));
  gtk_spinner_start (GTK_SPINNER (spinner));
  gtk_button_set_child (button, spinner);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pages), FALSE);
  update_actions (self);
}

static void
end_call (LtLoginView *self)
{
  gtk_button_set_label (self->busy_button, self->busy_label);
  g_clear_pointer (&self->busy_label, g_free);
  self->busy_button = NULL;
  gtk_widget_set_sensitive (GTK_WIDGET (self->pages), TRUE);
  update_actions (self);
}

/* Returns: whether the call succeeded; its error is shown if not */
static gboolean
finish_call (LtLoginView  *self,
             const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return FALSE;

  end_call (self);
  if (error != NULL)
    {
      show_error (self, error);
      return FALSE;
    }
  return TRUE;
}

static void
show_page (LtLoginView *self,
           const char  *page)
{
  gtk_stack_set_visible_child_name (self->pages, page);
}

static void
on_logged_in (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LtLoginView) self = user_data;
  g_autoptr(GError) error = NULL;

  lt_chat1_call_login_finish (LT_CHAT1 (source), result, &error);
  if (finish_call (self, error))
    gtk_editable_set_text (GTK_EDITABLE (self->login_password), "");
}

static void
log_in_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  LtLoginView *self = LT_LOGIN_VIEW (widget);

  begin_call (self, self->login_button);
  lt_chat1_call_login (self->chat, text_of (self->login_username),
                       text_of (self->login_password), self->cancellable, on_logged_in,
                       g_object_ref (self));
}

/* The server's rules (docs/DBUS.md, Register), checked here so that a
 * mistake is shown next to its row: the daemon's InvalidArgument
 * names no field. */
static gboolean
username_is_valid (const char *username)
{
  gsize length = strlen (username);

  if (length < USERNAME_MIN || length > USERNAME_MAX)
    return FALSE;
  for (const char *c = username; *c != '\0'; c++)
    {
      if (!g_ascii_islower (*c) && !g_ascii_isdigit (*c) && *c != '_' && *c != '.' && *c != '-')
        return FALSE;
    }
  return TRUE;
}

static gboolean
email_is_valid (const char *email)
{
  const char *at = strchr (email, '@');

  return at != NULL && at != email && at[1] != '\0';
}

static gboolean
check_password (LtLoginView *self,
                AdwEntryRow *row)
{
  if (g_utf8_strlen (text_of (row), -1) >= PASSWORD_MIN)
    return TRUE;
  show_field_error (self, LT_ERROR_FIELD_PASSWORD, _("A password has at least 8 characters"));
  return FALSE;
}

static gboolean
check_email (LtLoginView *self,
             AdwEntryRow *row)
{
  if (email_is_valid (text_of (row)))
    return TRUE;
  show_field_error (self, LT_ERROR_FIELD_EMAIL,
                    _("Enter an email address such as name@example.org"));
  return FALSE;
}

static gboolean
check_registration (LtLoginView *self)
{
  clear_errors (self);
  if (!username_is_valid (text_of (self->register_username)))
    {
      show_field_error (self, LT_ERROR_FIELD_USERNAME,
                        _("A username has 3 to 32 characters: lowercase letters a–z, digits, “_”, “.” or “-”"));
      return FALSE;
    }
  return check_password (self, self->register_password)
         && check_email (self, self->register_email);
}

static void
on_registered (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LtLoginView) self = user_data;
  g_autoptr(GError) error = NULL;

  lt_chat1_call_register_finish (LT_CHAT1 (source), result, &error);
  if (!finish_call (self, error))
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->login_username),
                         text_of (self->register_username));
  gtk_editable_set_text (GTK_EDITABLE (self->register_password), "");
  show_page (self, "login");
  gtk_widget_grab_focus (GTK_WIDGET (self->login_password));
  show_toast (self, _("Your account is ready: log in with your new password"));
}

static void
register_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  LtLoginView *self = LT_LOGIN_VIEW (widget);

  if (!check_registration (self))
    return;

  begin_call (self, self->register_button);
  lt_chat1_call_register (self->chat, text_of (self->register_nickname),
                          text_of (self->register_username), text_of (self->register_password),
                          text_of (self->register_email), text_of (self->register_phone),
                          self->cancellable, on_registered, g_object_ref (self));
}

static void
on_reset_requested (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(LtLoginView) self = user_data;
  g_autoptr(GError) error = NULL;

  lt_chat1_call_reset_password_finish (LT_CHAT1 (source), result, &error);
  if (!finish_call (self, error))
    return;

  show_page (self, "reset-confirm");
  gtk_widget_grab_focus (GTK_WIDGET (self->reset_token));
  show_toast (self, _("A reset code is on its way to your email"));
}

static void
request_reset_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LtLoginView *self = LT_LOGIN_VIEW (widget);

  clear_errors (self);
  if (!check_email (self, self->reset_email))
    return;

  begin_call (self, self->reset_request_button);
  lt_chat1_call_reset_password (self->chat, text_of (self->reset_email), self->cancellable,
                                on_reset_requested, g_object_ref (self));
}

static void
on_reset_confirmed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(LtLoginView) self = user_data;
  g_autoptr(GError) error = NULL;

  lt_chat1_call_confirm_password_reset_finish (LT_CHAT1 (source), result, &error);
  if (!finish_call (self, error))
    return;

  gtk_editable_set_text (GTK_EDITABLE (self->reset_token), "");
  gtk_editable_set_text (GTK_EDITABLE (self->reset_password), "");
  gtk_editable_set_text (GTK_EDITABLE (self->login_password), "");
  show_page (self, "login");
  gtk_widget_grab_focus (GTK_WIDGET (self->login_password));
  show_toast (self, _("Your password has been changed: log in with the new one"));
}

static void
confirm_reset_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  LtLoginView *self = LT_LOGIN_VIEW (widget);
  g_autofree char *token = g_strstrip (g_strdup (text_of (self->reset_token)));

  clear_errors (self);
  if (!check_password (self, self->reset_password))
    return;

  begin_call (self, self->reset_confirm_button);
  lt_chat1_call_confirm_password_reset (self->chat, text_of (self->reset_email), token,
                                        text_of (self->reset_password), self->cancellable,
                                        on_reset_confirmed, g_object_ref (self));
}

static void
show_page_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  show_page (LT_LOGIN_VIEW (widget), g_variant_get_string (parameter, NULL));
}

static void
on_page_changed (LtLoginView *self)
{
  clear_errors (self);
  update_actions (self);
}

/* Editing a row takes its error away. */
static void
on_row_changed (LtLoginView *self,
                GtkEditable *row)
{
  if (gtk_widget_has_css_class (GTK_WIDGET (row), "error"))
    {
      gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
      gtk_widget_set_visible (GTK_WIDGET (label_for_page (self, current_page (self))), FALSE);
    }
  update_actions (self);
}

/* Enter in the last row sends the form, if it is ready. */
static void
on_login_activated (LtLoginView *self)
{
  if (login_ready (self))
    gtk_widget_activate_action (GTK_WIDGET (self), "login.log-in", NULL);
}

static void
on_register_activated (LtLoginView *self)
{
  if (register_ready (self))
    gtk_widget_activate_action (GTK_WIDGET (self), "login.register", NULL);
}

static void
on_reset_request_activated (LtLoginView *self)
{
  if (reset_request_ready (self))
    gtk_widget_activate_action (GTK_WIDGET (self), "login.request-reset", NULL);
}

static void
on_reset_confirm_activated (LtLoginView *self)
{
  if (reset_confirm_ready (self))
    gtk_widget_activate_action (GTK_WIDGET (self), "login.confirm-reset", NULL);
}

/* Returns: (transfer none) (nullable): the proxy the calls go to */
LtChat1 *
lt_login_view_get_chat (LtLoginView *self)
{
  g_return_val_if_fail (LT_IS_LOGIN_VIEW (self), NULL);

  return self->chat;
}

void
lt_login_view_set_chat (LtLoginView *self,
                        LtChat1     *chat)
{
  g_return_if_fail (LT_IS_LOGIN_VIEW (self));
  g_return_if_fail (chat == NULL || LT_IS_CHAT1 (chat));

  if (g_set_object (&self->chat, chat))
    {
      update_actions (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHAT]);
    }
}

static void
lt_login_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  LtLoginView *self = LT_LOGIN_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      g_value_set_object (value, self->chat);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_login_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  LtLoginView *self = LT_LOGIN_VIEW (object);

  switch (prop_id)
    {
    case PROP_CHAT:
      lt_login_view_set_chat (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lt_login_view_dispose (GObject *object)
{
  LtLoginView *self = LT_LOGIN_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  /* AdwBin's own dispose would unparent the toast overlay again after
   * the template let go of it: take it out of the bin first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), LT_TYPE_LOGIN_VIEW);
  self->busy_button = NULL;
  g_clear_pointer (&self->busy_label, g_free);
  g_clear_object (&self->chat);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (lt_login_view_parent_class)->dispose (object);
}

static void
bind_template_children (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, toasts);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, general_error);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, pages);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, login_username);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, login_password);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, login_error);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, login_button);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, register_nickname);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, register_username);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, register_password);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, register_email);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, register_phone);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, register_error);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, register_button);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, reset_email);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, reset_request_error);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, reset_request_button);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, reset_token);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, reset_password);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, reset_confirm_error);
  gtk_widget_class_bind_template_child (widget_class, LtLoginView, reset_confirm_button);
}

static void
lt_login_view_class_init (LtLoginViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = lt_login_view_get_property;
  object_class->set_property = lt_login_view_set_property;
  object_class->dispose = lt_login_view_dispose;

  properties[PROP_CHAT] =
    g_param_spec_object ("chat", NULL, NULL, LT_TYPE_CHAT1,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/liaotian/Liaotian/lt-login-view.ui");
  bind_template_children (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, on_row_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_login_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_register_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_request_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_reset_confirm_activated);

  gtk_widget_class_install_action (widget_class, "login.log-in", NULL, log_in_action);
  gtk_widget_class_install_action (widget_class, "login.register", NULL, register_action);
  gtk_widget_class_install_action (widget_class, "login.request-reset", NULL,
                                   request_reset_action);
  gtk_widget_class_install_action (widget_class, "login.confirm-reset", NULL,
                                   confirm_reset_action);
  gtk_widget_class_install_action (widget_class, "login.show-page", "s", show_page_action);
}

static void
lt_login_view_init (LtLoginView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  g_signal_connect_swapped (self->pages, "notify::visible-child",
                            G_CALLBACK (on_page_changed), self);
  update_actions (self);
}
