/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Accounts: register, login, logout, passwords and their reset. */
#include "config.h"

#include "lt-json.h"
#include "lt-server-methods.h"

#include <sodium.h>
#include <string.h>

#define RESET_TOKEN_BYTES 16
#define RESET_TOKEN_VALID_MS (30 * 60 * 1000)

static gboolean
check_new_account (const char *nickname,
                   const char *username,
                   const char *password,
                   const char *email,
                   const char *phone,
                   GError    **error)
{
  const char *problem = NULL;

  if (!lt_protocol_is_valid_username (username))
    problem = "\"username\" must be 3 to 32 of a-z, 0-9, _ . -";
  else if (!lt_protocol_is_valid_nickname (nickname))
    problem = "\"nickname\" must be 1 to 32 characters, not blank";
  else if (!lt_protocol_is_valid_email (email))
    problem = "\"email\" is not an email address";
  else if (phone != NULL && g_utf8_strlen (phone, -1) > 32)
    problem = "\"phone\" is longer than 32 characters";

  if (problem != NULL)
    {
      g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS, problem);
      return FALSE;
    }

  return lt_server_check_password ("password", password, error);
}

/* register ------------------------------------------------------------ */

static gpointer
create_user_job (LtStore *store,
                 gpointer data,
                 GError **error)
{
  return lt_store_create_user (store, data, error) ? GINT_TO_POINTER (TRUE) : NULL;
}

static void
on_user_created (LtServerRequest *request,
                 gpointer         result,
                 const GError    *error)
{
  const char *username;
  JsonObject *reply;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  lt_json_get_string (request->params, "username", TRUE, &username, NULL);
  reply = json_object_new ();
  json_object_set_string_member (reply, "username", username);
  g_info ("Registered %s", username);
  lt_server_request_return (request, reply);
}

static void
on_register_hashed (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  LtServerRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = NULL;
  const char *username, *nickname, *email;
  const char *phone = NULL;
  LtUser *user;

  hash = lt_password_hasher_hash_finish (LT_PASSWORD_HASHER (source), result, &error);
  if (hash == NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  lt_server_get_strings (request->params, NULL, "username", &username, "nickname", &nickname,
                         "email", &email, NULL);
  lt_json_get_string (request->params, "phone", FALSE, &phone, NULL);
  user = g_new0 (LtUser, 1);
  user->username = g_strdup (username);
  user->nickname = g_strdup (nickname);
  user->email = g_ascii_strdown (email, -1);
  user->phone = g_strdup (phone);
  user->password_hash = g_steal_pointer (&hash);
  user->created = g_get_real_time () / 1000;
  lt_server_request_run_job (request, create_user_job, user, (GDestroyNotify) lt_user_free, NULL,
                             on_user_created);
}

/* A taken username is the common mistake: answer it before spending
 * a password hash on it.  create_user checks every field again, in one
 * transaction. */
static void
on_username_checked (LtServerRequest *request,
                     gpointer         result,
                     const GError    *error)
{
  g_autoptr(LtUser) existing = result;
  const char *password;

  if (error != NULL)
    lt_server_request_return_error (request, error);
  else if (existing != NULL)
    lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_USERNAME_TAKEN,
                                        "The username \"%s\" is taken", existing->username);
  else
    {
      lt_json_get_string (request->params, "password", TRUE, &password, NULL);
      lt_password_hasher_hash_async (request->server->hasher, password, on_register_hashed,
                                     request);
    }
}

void
lt_server_method_register (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  const char *nickname, *username, *password, *email;
  const char *phone = NULL;

  if (!lt_server_get_strings (request->params, &error, "nickname", &nickname, "username",
                              &username, "password", &password, "email", &email, NULL)
      || !lt_json_get_string (request->params, "phone", FALSE, &phone, &error)
      || !check_new_account (nickname, username, password, email, phone, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  lt_server_request_run_job (request, lt_server_job_lookup_user, g_strdup (username), g_free,
                             (GDestroyNotify) lt_user_free, on_username_checked);
}

/* authentication, shared by login and change_password ---------------- */

typedef void (*AuthenticatedFunc) (LtServerRequest *request,
                                   LtUser          *user,
                                   gboolean         needs_rehash);

/* The request's state while it is being authenticated. */
typedef struct
{
  AuthenticatedFunc authenticated;
  const char *username; /* in the request's params */
  const char *password; /* likewise */
  LtUser *user; /* NULL: unknown username */
} Authentication;

static void
authentication_free (Authentication *auth)
{
  g_clear_pointer (&auth->user, lt_user_free);
  g_free (auth);
}

static gboolean
login_throttled (LtServerRequest *request,
                 const char      *username)
{
  LtServer *server = request->server;

  return !lt_rate_limiter_allows (server->login_user_limiter, username)
         || !lt_rate_limiter_allows (server->login_address_limiter,
                                     lt_server_connection_get_address (request->connection));
}

static void
count_failure (LtServerRequest *request,
               const char      *username)
{
  lt_rate_limiter_take (request->server->login_user_limiter, username);
  lt_rate_limiter_take (request->server->login_address_limiter,
                        lt_server_connection_get_address (request->connection));
  g_message ("Failed login for %s from %s", username,
             lt_server_connection_get_address (request->connection));
}

static void
on_password_verified (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  LtServerRequest *request = user_data;
  Authentication *auth = request->state;
  g_autoptr(GError) error = NULL;
  gboolean needs_rehash = FALSE;
  gboolean matches;

  matches = lt_password_hasher_verify_finish (LT_PASSWORD_HASHER (source), result, &needs_rehash,
                                              &error);
  if (error != NULL)
    lt_server_request_return_error (request, error);
  else if (auth->user != NULL && matches)
    auth->authenticated (request, auth->user, needs_rehash);
  else
    {
      count_failure (request, auth->username);
      if (auth->user == NULL)
        lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_NO_SUCH_USER,
                                            "No user \"%s\"", auth->username);
      else
        lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_WRONG_PASSWORD,
                                            "Wrong password");
    }
}

static void
on_user_looked_up (LtServerRequest *request,
                   gpointer         result,
                   const GError    *error)
{
  Authentication *auth = request->state;
  LtPasswordHasher *hasher = request->server->hasher;
  const char *hash;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  /* An unknown username is checked against a dummy hash, so that it
   * takes as long to answer as a wrong password. */
  auth->user = result;
  hash = auth->user ? auth->user->password_hash : lt_password_hasher_get_dummy_hash (hasher);
  lt_password_hasher_verify_async (hasher, hash, auth->password, on_password_verified, request);
}

/* Checks @password of @username, with the failed-login throttle, then
 * calls @authenticated; every failure is answered here. */
static void
authenticate (LtServerRequest  *request,
              const char       *username,
              const char       *password,
              AuthenticatedFunc authenticated)
{
  Authentication *auth;

  if (strlen (password) > LT_MAX_PASSWORD_BYTES)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                          "The password is longer than %d bytes",
                                          LT_MAX_PASSWORD_BYTES);
      return;
    }

  if (login_throttled (request, username))
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_RATE_LIMITED,
                                          "Too many failed logins, try again later");
      return;
    }

  auth = g_new0 (Authentication, 1);
  auth->authenticated = authenticated;
  auth->username = username;
  auth->password = password;
  lt_server_request_set_state (request, auth, (GDestroyNotify) authentication_free);
  lt_server_request_run_job (request, lt_server_job_lookup_user, g_strdup (username), g_free,
                             (GDestroyNotify) lt_user_free, on_user_looked_up);
}

/* A new password hash to store: for a login whose stored hash was made
 * with older parameters, and for a password change. */
typedef struct
{
  char *username;
  char *hash;
} NewHash;

static void
new_hash_free (NewHash *new_hash)
{
  g_free (new_hash->username);
  g_free (new_hash->hash);
  g_free (new_hash);
}

static gpointer
set_password_hash_job (LtStore *store,
                       gpointer data,
                       GError **error)
{
  NewHash *new_hash = data;

  return GINT_TO_POINTER (lt_store_set_password_hash (store, new_hash->username, new_hash->hash,
                                                      error));
}

/* Stores @hash (transfer full) as the authenticated user's password
 * hash, then calls @done. */
static void
store_new_hash (LtServerRequest *request,
                char            *hash,
                LtServerJobDone  done)
{
  Authentication *auth = request->state;
  NewHash *new_hash = g_new0 (NewHash, 1);

  new_hash->username = g_strdup (auth->username);
  new_hash->hash = hash;
  lt_server_request_run_job (request, set_password_hash_job, new_hash,
                             (GDestroyNotify) new_hash_free, NULL, done);
}

/* login --------------------------------------------------------------- */

typedef struct
{
  GStrv rooms;
  guint pending;
} LoginInfo;

static void
login_info_free (LoginInfo *info)
{
  g_strfreev (info->rooms);
  g_free (info);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoginInfo, login_info_free)

static gpointer
login_info_job (LtStore *store,
                gpointer data,
                GError **error)
{
  g_autoptr(LoginInfo) info = g_new0 (LoginInfo, 1);

  info->rooms = lt_store_list_user_rooms (store, data, error);
  if (info->rooms == NULL || !lt_store_count_pending (store, data, &info->pending, error))
    return NULL;

  return g_steal_pointer (&info);
}

static JsonObject *
login_reply (LtServerRequest *request,
             const LtUser    *user,
             const LoginInfo *info)
{
  JsonObject *reply = json_object_new ();
  JsonArray *rooms = json_array_new ();

  for (guint i = 0; info->rooms[i] != NULL; i++)
    json_array_add_string_element (rooms, info->rooms[i]);

  json_object_set_string_member (reply, "username", user->username);
  json_object_set_string_member (reply, "nickname", user->nickname);
  json_object_set_array_member (reply, "online", lt_server_online_array (request->server, NULL));
  json_object_set_array_member (reply, "rooms", rooms);
  json_object_set_int_member (reply, "pending", info->pending);
  return reply;
}

static void
on_login_info (LtServerRequest *request,
               gpointer         result,
               const GError    *error)
{
  g_autoptr(LoginInfo) info = result;
  g_autoptr(LtServer) server = g_object_ref (request->server);
  g_autoptr(LtServerConnection) connection = g_object_ref (request->connection);
  Authentication *auth = request->state;
  LtUser *user = auth->user;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  /* The client may have gone, or logged in twice at once, meanwhile. */
  if (lt_server_connection_is_closed (connection)
      || lt_server_connection_get_username (connection) != NULL)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_REQUEST,
                                          "Already logged in");
      return;
    }

  lt_server_connection_set_username (connection, user->username);
  if (lt_server_session_add (server, connection, user->nickname))
    lt_server_broadcast_presence (server, user->username, user->nickname, TRUE);

  g_info ("%s logged in from %s", user->username, lt_server_connection_get_address (connection));
  lt_server_request_return (request, login_reply (request, user, info));
  lt_server_push_pending (server, connection);
}

static void
finish_login (LtServerRequest *request)
{
  Authentication *auth = request->state;

  lt_server_request_run_job (request, login_info_job, g_strdup (auth->user->username), g_free,
                             (GDestroyNotify) login_info_free, on_login_info);
}

static void
on_rehash_stored (LtServerRequest *request,
                  gpointer         result,
                  const GError    *error)
{
  if (error != NULL)
    g_warning ("Could not store a rehashed password: %s", error->message);
  finish_login (request);
}

static void
on_rehashed (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  LtServerRequest *request = user_data;
  Authentication *auth = request->state;
  g_autoptr(GError) error = NULL;
  char *hash;

  hash = lt_password_hasher_hash_finish (LT_PASSWORD_HASHER (source), result, &error);
  if (hash == NULL)
    {
      g_warning ("Could not rehash the password of %s: %s", auth->username, error->message);
      finish_login (request);
      return;
    }

  store_new_hash (request, hash, on_rehash_stored);
}

/* A hash made with older parameters is replaced once, at login. */
static void
on_login_authenticated (LtServerRequest *request,
                        LtUser          *user,
                        gboolean         needs_rehash)
{
  Authentication *auth = request->state;

  if (needs_rehash)
    lt_password_hasher_hash_async (request->server->hasher, auth->password, on_rehashed, request);
  else
    finish_login (request);
}

void
lt_server_method_login (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  const char *username, *password;

  if (!lt_server_get_strings (request->params, &error, "username", &username, "password",
                              &password, NULL))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (lt_server_request_get_username (request) != NULL)
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_REQUEST,
                                          "Already logged in");
      return;
    }

  authenticate (request, username, password, on_login_authenticated);
}

/* logout, ping -------------------------------------------------------- */

void
lt_server_method_logout (LtServerRequest *request)
{
  g_autoptr(LtServerConnection) connection = g_object_ref (request->connection);

  lt_server_request_return (request, NULL);
  lt_server_connection_close (connection, NULL);
}

void
lt_server_method_ping (LtServerRequest *request)
{
  lt_server_request_return (request, NULL);
}

/* change_password ------------------------------------------------------ */

static void
on_new_password_hashed (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  LtServerRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  char *hash;

  hash = lt_password_hasher_hash_finish (LT_PASSWORD_HASHER (source), result, &error);
  if (hash == NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  store_new_hash (request, hash, lt_server_request_return_bool_job);
}

static void
on_old_password_checked (LtServerRequest *request,
                         LtUser          *user,
                         gboolean         needs_rehash)
{
  const char *new_password;

  lt_json_get_string (request->params, "new_password", TRUE, &new_password, NULL);
  lt_password_hasher_hash_async (request->server->hasher, new_password, on_new_password_hashed,
                                 request);
}

void
lt_server_method_change_password (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  const char *username, *old_password, *new_password;

  if (!lt_server_get_strings (request->params, &error, "username", &username, "old_password",
                              &old_password, "new_password", &new_password, NULL)
      || !lt_server_check_password ("new_password", new_password, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  g_info ("Password change for %s", username);
  authenticate (request, username, old_password, on_old_password_checked);
}

/* reset_password ------------------------------------------------------- */

static char *
hash_token (const char *token)
{
  guchar digest[crypto_generichash_BYTES];
  char hex[crypto_generichash_BYTES * 2 + 1];

  /* Tokens carry 128 random bits: a fast hash is enough to make a
   * stolen database useless for resetting passwords. */
  crypto_generichash (digest, sizeof digest, (const guchar *) token, strlen (token), NULL, 0);
  return g_strdup (sodium_bin2hex (hex, sizeof hex, digest, sizeof digest));
}

/* A reset code being made (with its expiry) or used (with the new
 * password's hash). */
typedef struct
{
  char *email;
  char *token_hash;
  gint64 expires;
  char *password_hash;
} ResetToken;

static void
reset_token_free (ResetToken *reset)
{
  g_free (reset->email);
  g_free (reset->token_hash);
  g_free (reset->password_hash);
  g_free (reset);
}

/* The result is the username the token was made for. */
static gpointer
add_reset_token_job (LtStore *store,
                     gpointer data,
                     GError **error)
{
  ResetToken *reset = data;
  g_autoptr(LtUser) user = lt_store_lookup_user_by_email (store, reset->email, error);

  if (user == NULL)
    {
      if (error == NULL || *error == NULL)
        g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_NO_SUCH_EMAIL,
                             "No account has this email address");
      return NULL;
    }

  if (!lt_store_add_reset_token (store, user->username, reset->token_hash, reset->expires, error))
    return NULL;

  return g_strdup (user->username);
}

static void
on_reset_mail_sent (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  LtServerRequest *request = user_data;
  g_autoptr(GError) error = NULL;

  if (!lt_mailer_send_finish (LT_MAILER (source), result, &error))
    {
      g_warning ("Could not send a password reset mail: %s", error->message);
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INTERNAL_ERROR,
                                          "The mail could not be sent");
      return;
    }

  lt_server_request_return (request, NULL);
}

static char *
reset_mail_body (const char *username,
                 const char *token)
{
  return g_strdup_printf ("Hello %s,\n\n"
                          "someone, probably you, asked to reset the password of your Liaotian\n"
                          "account. Your reset code is:\n\n"
                          "    %s\n\n"
                          "It can be used once, within 30 minutes. If you did not ask for it,\n"
                          "ignore this mail: your password stays as it is.\n",
                          username, token);
}

static void
on_reset_token_added (LtServerRequest *request,
                      gpointer         result,
                      const GError    *error)
{
  g_autofree char *username = result;
  g_autofree char *body = NULL;
  const char *token = request->state;
  const char *email;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  g_info ("Password reset mail for %s", username);
  lt_json_get_string (request->params, "email", TRUE, &email, NULL);
  body = reset_mail_body (username, token);
  lt_mailer_send_async (request->server->mailer, email, username,
                        "Your Liaotian password reset code", body, on_reset_mail_sent, request);
}

static char *
new_reset_token (void)
{
  guchar bytes[RESET_TOKEN_BYTES];
  char hex[RESET_TOKEN_BYTES * 2 + 1];

  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2hex (hex, sizeof hex, bytes, sizeof bytes);
  return g_strdup (hex);
}

void
lt_server_method_reset_password (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  ResetToken *reset;
  const char *email;
  char *token;

  if (!lt_server_get_strings (request->params, &error, "email", &email, NULL))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  if (!lt_protocol_is_valid_email (email))
    {
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                                          "\"email\" is not an email address");
      return;
    }

  reset = g_new0 (ResetToken, 1);
  reset->email = g_ascii_strdown (email, -1);
  if (!lt_rate_limiter_take (request->server->reset_limiter, reset->email))
    {
      reset_token_free (reset);
      lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_RATE_LIMITED,
                                          "A reset code was sent a moment ago");
      return;
    }

  token = new_reset_token ();
  reset->token_hash = hash_token (token);
  reset->expires = g_get_real_time () / 1000 + RESET_TOKEN_VALID_MS;
  lt_server_request_set_state (request, token, g_free);
  lt_server_request_run_job (request, add_reset_token_job, reset, (GDestroyNotify) reset_token_free,
                             g_free, on_reset_token_added);
}

/* reset_password_confirm ----------------------------------------------- */

/* One transaction: the token is used up only when the password is set. */
static gpointer
confirm_reset_job (LtStore *store,
                   gpointer data,
                   GError **error)
{
  ResetToken *confirmation = data;
  g_autoptr(LtUser) user = NULL;
  GError *local_error = NULL;

  user = lt_store_lookup_user_by_email (store, confirmation->email, &local_error);
  if (local_error == NULL && user != NULL
      && lt_store_consume_reset_token (store, user->username, confirmation->token_hash,
                                       g_get_real_time () / 1000, &local_error))
    {
      if (!lt_store_set_password_hash (store, user->username, confirmation->password_hash, error))
        return NULL;
      return GINT_TO_POINTER (TRUE);
    }

  if (local_error != NULL)
    g_propagate_error (error, local_error);
  else
    g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_TOKEN,
                         "The reset code is wrong, used or expired");
  return NULL;
}

static void
on_reset_password_hashed (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  LtServerRequest *request = user_data;
  g_autoptr(GError) error = NULL;
  ResetToken *confirmation;
  const char *email, *token;
  char *hash;

  hash = lt_password_hasher_hash_finish (LT_PASSWORD_HASHER (source), result, &error);
  if (hash == NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  lt_server_get_strings (request->params, NULL, "email", &email, "token", &token, NULL);
  confirmation = g_new0 (ResetToken, 1);
  confirmation->email = g_ascii_strdown (email, -1);
  confirmation->token_hash = hash_token (token);
  confirmation->password_hash = hash;
  lt_server_request_run_job (request, confirm_reset_job, confirmation,
                             (GDestroyNotify) reset_token_free, NULL,
                             lt_server_request_return_bool_job);
}

void
lt_server_method_reset_password_confirm (LtServerRequest *request)
{
  g_autoptr(GError) error = NULL;
  const char *email, *token, *new_password;

  if (!lt_server_get_strings (request->params, &error, "email", &email, "token", &token,
                              "new_password", &new_password, NULL)
      || !lt_server_check_password ("new_password", new_password, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  lt_password_hasher_hash_async (request->server->hasher, new_password, on_reset_password_hashed,
                                 request);
}
