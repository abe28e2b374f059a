/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtMailer: delivers the server's mails (password reset tokens).
 *
 * With a mail command (--mail-command, e.g. "sendmail -t" or
 * "msmtp -t") the RFC 5322 text is piped to it on stdin; the
 * recipient is in the To: header.  Without one, each mail is written
 * as a file into the outbox folder, readable only by the server's
 * user, for an administrator or a test to pick up. */
#include "config.h"

#include "lt-mailer.h"

#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>
#include <errno.h>

struct _LtMailer
{
  GObject parent_instance;

  GStrv command; /* NULL: write to the outbox */
  char *outbox_dir;
};

G_DEFINE_FINAL_TYPE (LtMailer, lt_mailer, G_TYPE_OBJECT)

/* Folds a body's lines to CRLF, as RFC 5322 wants on the wire. */
static void
append_crlf_text (GString    *mail,
                  const char *text)
{
  for (const char *p = text; *p; p++)
    {
      if (*p == '\n')
        g_string_append (mail, "\r\n");
      else if (*p != '\r')
        g_string_append_c (mail, *p);
    }
}

/**
 * lt_mailer_compose:
 * @subject: plain ASCII
 *
 * Returns: (transfer full): the whole mail, headers and body
 */
char *
lt_mailer_compose (const char *to,
                   const char *subject,
                   const char *body)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S %z");
  const char *host = g_get_host_name ();
  GString *mail = g_string_new (NULL);

  g_string_append_printf (mail, "From: Liaotian <liaotian@%s>\r\n", host);
  g_string_append_printf (mail, "To: <%s>\r\n", to);
  g_string_append_printf (mail, "Subject: %s\r\n", subject);
  g_string_append_printf (mail, "Date: %s\r\n", date);
  g_string_append_printf (mail, "Message-ID: <%08x%08x.%" G_GINT64_FORMAT "@%s>\r\n",
                          randombytes_random (), randombytes_random (), g_get_real_time (), host);
  g_string_append (mail, "MIME-Version: 1.0\r\n"
                         "Content-Type: text/plain; charset=utf-8\r\n"
                         "Content-Transfer-Encoding: 8bit\r\n"
                         "\r\n");
  append_crlf_text (mail, body);
  return g_string_free (mail, FALSE);
}

static void
on_command_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GSubprocess *subprocess = G_SUBPROCESS (object);
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_subprocess_communicate_finish (subprocess, result, NULL, NULL, &error))
    g_task_return_error (task, error);
  else if (!g_subprocess_get_successful (subprocess))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                             "The mail command failed (status %d)",
                             g_subprocess_get_status (subprocess));
  else
    g_task_return_boolean (task, TRUE);
}

static void
pipe_to_command (LtMailer *self,
                 GTask    *task,
                 GBytes   *mail)
{
  GError *error = NULL;
  g_autoptr(GSubprocess) subprocess = NULL;

  subprocess = g_subprocess_newv ((const char *const *) self->command,
                                  G_SUBPROCESS_FLAGS_STDIN_PIPE, &error);
  if (subprocess == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_subprocess_communicate_async (subprocess, mail, NULL, on_command_done, g_object_ref (task));
}

/* Runs in a GTask thread: a small file write, but still disk I/O. */
static void
write_to_outbox (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  const char *path = g_object_get_data (G_OBJECT (task), "path");
  GBytes *mail = task_data;
  GError *error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (mail, &size);

  if (!g_file_set_contents_full (path, data, size, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * lt_mailer_send_async:
 * @tag: a safe file name part naming the mail in the outbox (a username)
 */
void
lt_mailer_send_async (LtMailer           *self,
                      const char         *to,
                      const char         *tag,
                      const char         *subject,
                      const char         *body,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GBytes) mail = NULL;
  g_autofree char *name = NULL;
  char *text;

  g_return_if_fail (LT_IS_MAILER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, lt_mailer_send_async);
  text = lt_mailer_compose (to, subject, body);
  mail = g_bytes_new_take (text, strlen (text));

  if (self->command != NULL)
    {
      pipe_to_command (self, task, mail);
      return;
    }

  name = g_strdup_printf ("%" G_GINT64_FORMAT "-%s.eml", g_get_real_time () / 1000, tag);
  g_object_set_data_full (G_OBJECT (task), "path", g_build_filename (self->outbox_dir, name, NULL),
                          g_free);
  g_task_set_task_data (task, g_steal_pointer (&mail), (GDestroyNotify) g_bytes_unref);
  g_task_run_in_thread (task, write_to_outbox);
}

gboolean
lt_mailer_send_finish (LtMailer     *self,
                       GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * lt_mailer_new:
 * @mail_command: (nullable): a command line, split like a shell would
 * @outbox_dir: where mails go without a command; created 0700
 *
 * Returns: (nullable): the mailer, or %NULL when @mail_command cannot
 *   be parsed (a warning says why)
 */
LtMailer *
lt_mailer_new (const char *mail_command,
               const char *outbox_dir)
{
  g_autoptr(LtMailer) self = g_object_new (LT_TYPE_MAILER, NULL);
  g_autoptr(GError) error = NULL;

  if (mail_command != NULL && *mail_command != '\0'
      && !g_shell_parse_argv (mail_command, NULL, &self->command, &error))
    {
      g_warning ("Cannot use mail command “%s”: %s", mail_command, error->message);
      return NULL;
    }

  self->outbox_dir = g_strdup (outbox_dir);
  if (self->command == NULL && g_mkdir_with_parents (outbox_dir, 0700) != 0)
    g_warning ("Cannot create the outbox %s: %s", outbox_dir, g_strerror (errno));

  return g_steal_pointer (&self);
}

static void
lt_mailer_finalize (GObject *object)
{
  LtMailer *self = LT_MAILER (object);

  g_clear_pointer (&self->command, g_strfreev);
  g_clear_pointer (&self->outbox_dir, g_free);

  G_OBJECT_CLASS (lt_mailer_parent_class)->finalize (object);
}

static void
lt_mailer_class_init (LtMailerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lt_mailer_finalize;
}

static void
lt_mailer_init (LtMailer *self)
{
}
