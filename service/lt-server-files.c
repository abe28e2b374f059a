/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Files, the chat side (PROTOCOL.md §13): offers and their entries,
 * the tokens of the HTTP service, answers, listings, and the
 * file_offered announcement.  Who may do what with a file is decided by
 * the store's open_file(), for these methods and the HTTP service alike. */
#include "config.h"

#include "lt-file-names.h"
#include "lt-json.h"
#include "lt-server-methods.h"

#include <string.h>

#define SHA256_HEX_DIGITS 64

/* What the notifications and results say about a file ------------------ */

static const char *
file_state (const LtFile *file)
{
  if (file->to[0] == '#')
    return "shared";

  switch (file->answer)
    {
    case LT_FILE_ANSWER_ACCEPTED:
      return "accepted";
    case LT_FILE_ANSWER_REJECTED:
      return "rejected";
    case LT_FILE_ANSWER_NONE:
    default:
      return "offered";
    }
}

/* name, size, sha256 (of a file), folder (of a folder). */
static void
add_content_members (JsonObject   *object,
                     const LtFile *file)
{
  json_object_set_string_member (object, "name", file->name);
  json_object_set_int_member (object, "size", file->size);
  if (file->sha256 != NULL)
    json_object_set_string_member (object, "sha256", file->sha256);
  if (file->folder)
    json_object_set_boolean_member (object, "folder", TRUE);
}

/**
 * lt_server_file_object:
 *
 * The `file` member of an announcement in history: file_id, name,
 * size, sha256 or folder, and state.
 */
JsonObject *
lt_server_file_object (const LtFile *file)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "file_id", file->id);
  add_content_members (object, file);
  json_object_set_string_member (object, "state", file_state (file));
  return object;
}

/**
 * lt_server_file_offered_frame:
 * @announcement: the message announcing a complete file
 *
 * The file_offered notification, live or (@offline) pushed at login.
 */
GBytes *
lt_server_file_offered_frame (const LtMessage *announcement,
                              gboolean         offline)
{
  g_autoptr(JsonObject) params = lt_server_message_header (announcement);

  json_object_set_int_member (params, "file_id", announcement->file->id);
  add_content_members (params, announcement->file);
  if (offline)
    json_object_set_boolean_member (params, "offline", TRUE);
  return lt_jsonrpc_notification_new ("file_offered", params);
}

/**
 * lt_server_announce_file:
 * @announcement: the committed announcement of a complete file
 *
 * Tells the conversation of the file, as a message is delivered:
 * serialized once, the same bytes to every connection.
 */
void
lt_server_announce_file (LtServer        *server,
                         const LtMessage *announcement)
{
  g_autoptr(GBytes) frame = lt_server_file_offered_frame (announcement, FALSE);

  lt_server_send_to_conversation (server, announcement->from, announcement->to, frame);
}

/* Helpers of the methods ------------------------------------------------ */

/* With --http-port -1 nothing could move the bytes. */
static gboolean
check_file_service (LtServerRequest *request)
{
  if (request->server->file_tokens != NULL)
    return TRUE;

  lt_server_request_return_new_error (request, LT_PROTOCOL_ERROR_METHOD_NOT_FOUND,
                                      "File transfer is off on this server");
  return FALSE;
}

/* Adds the URL of @file_id and a fresh token of the user for @purpose. */
static JsonObject *
add_token (LtServerRequest   *request,
           JsonObject        *reply,
           gint64             file_id,
           LtFileTokenPurpose purpose)
{
  const char *url_member = purpose == LT_FILE_TOKEN_UPLOAD ? "upload_url" : "download_url";
  g_autofree char *url = g_strdup_printf ("/files/%" G_GINT64_FORMAT, file_id);
  g_autofree char *token = NULL;
  gint64 expires = 0;

  token = lt_file_tokens_issue (request->server->file_tokens,
                                lt_server_request_get_username (request), file_id, purpose,
                                request->server->config->file_token_lifetime, &expires);
  json_object_set_string_member (reply, url_member, url);
  json_object_set_string_member (reply, "token", token);
  json_object_set_int_member (reply, "expires", expires);
  return reply;
}

static gboolean
is_sha256 (const char *text)
{
  gsize length = 0;

  for (; text[length] != '\0'; length++)
    {
      if (!g_ascii_isdigit (text[length]) && (text[length] < 'a' || text[length] > 'f'))
        return FALSE;
    }

  return length == SHA256_HEX_DIGITS;
}

/* The "size" and "sha256" of a file, in @object. */
static gboolean
get_content (JsonObject  *object,
             gint64      *size,
             const char **sha256,
             GError     **error)
{
  if (!lt_json_get_int (object, "size", TRUE, size, error)
      || !lt_json_get_string (object, "sha256", TRUE, sha256, error))
    return FALSE;

  if (*size < 0)
    g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                         "\"size\" must not be negative");
  else if (!is_sha256 (*sha256))
    g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                 "\"sha256\" must be %d lowercase hex digits", SHA256_HEX_DIGITS);
  else
    return TRUE;

  return FALSE;
}

/* {path, size, sha256} or {path, dir: true} */
static LtFileEntry *
get_entry (JsonNode *node,
           GError  **error)
{
  g_autoptr(GError) path_error = NULL;
  const char *path, *sha256 = NULL;
  gboolean dir = FALSE;
  gint64 size = 0;
  JsonObject *object;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                           "it is not an object");
      return NULL;
    }

  object = json_node_get_object (node);
  if (!lt_json_get_string (object, "path", TRUE, &path, error)
      || !lt_json_get_bool (object, "dir", FALSE, &dir, error))
    return NULL;

  if (!lt_file_path_check (path, &path_error))
    {
      g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS, "\"%s\": %s",
                   path, path_error->message);
      return NULL;
    }

  if (!dir && !get_content (object, &size, &sha256, error))
    return NULL;

  return lt_file_entry_new (path, size, sha256);
}

/* The "entries" of a folder (or of one page of them), each checked.
 * The store checks the folder as a whole: paths listed twice, size,
 * number of entries. */
static GPtrArray *
get_entries (JsonObject *params,
             gboolean    allow_empty,
             GError    **error)
{
  g_autoptr(GPtrArray) entries = NULL;
  JsonArray *array;
  guint length;

  if (!lt_json_get_array (params, "entries", TRUE, &array, error))
    return NULL;

  length = json_array_get_length (array);
  if (length == 0 && !allow_empty)
    {
      g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                           "A folder needs at least one entry");
      return NULL;
    }
  if (length > LT_MAX_FOLDER_ENTRIES)
    {
      g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                   "A folder holds at most %d entries", LT_MAX_FOLDER_ENTRIES);
      return NULL;
    }

  entries = g_ptr_array_new_full (length, (GDestroyNotify) lt_file_entry_free);
  for (guint i = 0; i < length; i++)
    {
      LtFileEntry *entry = get_entry (json_array_get_element (array, i), error);

      if (entry == NULL)
        {
          g_prefix_error (error, "Entry %u of \"entries\": ", i);
          return NULL;
        }
      g_ptr_array_add (entries, entry);
    }

  return g_steal_pointer (&entries);
}

/* file_offer and file_entries_add ----------------------------------------- */

typedef struct
{
  LtFile file; /* id filled in by the job */
  GPtrArray *entries;
  gboolean more;
  LtFileLimits limits;
} Offer;

static void
offer_free (Offer *offer)
{
  g_free (offer->file.from);
  g_free (offer->file.to);
  g_free (offer->file.name);
  g_clear_pointer (&offer->entries, g_ptr_array_unref);
  g_free (offer);
}

static Offer *
offer_new (LtServerRequest *request)
{
  Offer *offer = g_new0 (Offer, 1);

  offer->file.from = g_strdup (lt_server_request_get_username (request));
  offer->limits.max_size = request->server->config->max_file_size;
  offer->limits.quota = request->server->config->file_quota;
  offer->limits.max_entries = LT_MAX_FOLDER_ENTRIES;
  return offer;
}

typedef gboolean (*OfferParamsFunc) (JsonObject *params,
                                     Offer      *offer,
                                     GError    **error);

/* Checks the params of an offer (or of a page of its entries) into a
 * new Offer, then stores it with @job. */
static void
run_offer (LtServerRequest *request,
           OfferParamsFunc  get_params,
           LtStoreJobFunc   job,
           LtServerJobDone  done)
{
  g_autoptr(GError) error = NULL;
  Offer *offer;

  if (!check_file_service (request))
    return;

  offer = offer_new (request);
  if (!get_params (request->params, offer, &error))
    {
      offer_free (offer);
      lt_server_request_return_error (request, error);
      return;
    }

  lt_server_request_set_state (request, offer, (GDestroyNotify) offer_free);
  lt_server_request_run_job (request, job, offer, NULL, NULL, done);
}

/* The one entry of a file, named like the file. */
static GPtrArray *
get_file_entry (JsonObject *params,
                const char *name,
                GError    **error)
{
  GPtrArray *entries;
  const char *sha256;
  gint64 size;

  if (json_object_has_member (params, "more"))
    {
      g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                           "\"more\" is for the \"entries\" of a folder");
      return NULL;
    }
  if (!get_content (params, &size, &sha256, error))
    return NULL;

  entries = g_ptr_array_new_with_free_func ((GDestroyNotify) lt_file_entry_free);
  g_ptr_array_add (entries, lt_file_entry_new (name, size, sha256));
  return entries;
}

/* The first page of a folder's entries. */
static GPtrArray *
get_folder_entries (JsonObject *params,
                    gboolean   *more,
                    GError    **error)
{
  if (json_object_has_member (params, "size") || json_object_has_member (params, "sha256"))
    {
      g_set_error_literal (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
                           "A folder has \"entries\", not \"size\" or \"sha256\"");
      return NULL;
    }
  if (!lt_json_get_bool (params, "more", FALSE, more, error))
    return NULL;

  return get_entries (params, FALSE, error);
}

static gboolean
get_offer (JsonObject *params,
           Offer      *offer,
           GError    **error)
{
  const char *to, *name;

  if (!lt_server_get_strings (params, error, "to", &to, "name", &name, NULL)
      || !lt_server_check_conversation (to, "to", error))
    return FALSE;

  offer->file.to = g_strdup (to);
  offer->file.name = lt_file_name_sanitize (name);
  offer->file.folder = json_object_has_member (params, "entries");
  if (offer->file.folder)
    offer->entries = get_folder_entries (params, &offer->more, error);
  else
    offer->entries = get_file_entry (params, offer->file.name, error);
  return offer->entries != NULL;
}

static gpointer
add_file_job (LtStore *store,
              gpointer data,
              GError **error)
{
  Offer *offer = data;

  if (!lt_store_add_file (store, &offer->file, offer->entries, offer->more, &offer->limits,
                          error))
    return NULL;

  return offer;
}

static void
on_file_added (LtServerRequest *request,
               gpointer         result,
               const GError    *error)
{
  Offer *offer = result;
  JsonObject *reply;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  reply = json_object_new ();
  json_object_set_int_member (reply, "file_id", offer->file.id);
  json_object_set_string_member (reply, "name", offer->file.name);
  lt_server_request_return (request, add_token (request, reply, offer->file.id,
                                                LT_FILE_TOKEN_UPLOAD));
}

void
lt_server_method_file_offer (LtServerRequest *request)
{
  run_offer (request, get_offer, add_file_job, on_file_added);
}

static gpointer
add_file_entries_job (LtStore *store,
                      gpointer data,
                      GError **error)
{
  Offer *offer = data;

  return GINT_TO_POINTER (lt_store_add_file_entries (store, offer->file.id, offer->file.from,
                                                     offer->entries, offer->more,
                                                     &offer->limits, error));
}

/* An empty last page ends a folder whose entries filled the pages. */
static gboolean
get_entries_page (JsonObject *params,
                  Offer      *offer,
                  GError    **error)
{
  if (!lt_json_get_int (params, "file_id", TRUE, &offer->file.id, error)
      || !lt_json_get_bool (params, "more", TRUE, &offer->more, error))
    return FALSE;

  offer->entries = get_entries (params, TRUE, error);
  return offer->entries != NULL;
}

void
lt_server_method_file_entries_add (LtServerRequest *request)
{
  run_offer (request, get_entries_page, add_file_entries_job, lt_server_request_return_bool_job);
}

/* The methods on one file_id -------------------------------------------- */

typedef struct
{
  char *username;
  gint64 file_id;
  gint64 after; /* file_entries */
  gint64 limit;
  gboolean more; /* filled in by the file_entries job */
} FileQuery;

static void
file_query_free (FileQuery *query)
{
  g_free (query->username);
  g_free (query);
}

/* "file_id", and for file_entries (@paged) "after" and "limit". */
static gboolean
get_file_params (JsonObject *params,
                 FileQuery  *query,
                 gboolean    paged,
                 GError    **error)
{
  if (!lt_json_get_int (params, "file_id", TRUE, &query->file_id, error))
    return FALSE;
  if (!paged)
    return TRUE;

  if (!lt_json_get_int (params, "after", FALSE, &query->after, error)
      || !lt_json_get_int (params, "limit", FALSE, &query->limit, error))
    return FALSE;
  if (query->after >= -1 && query->limit >= 1 && query->limit <= LT_FILE_ENTRIES_MAX_LIMIT)
    return TRUE;

  g_set_error (error, LT_PROTOCOL_ERROR, LT_PROTOCOL_ERROR_INVALID_PARAMS,
               "\"limit\" must be 1 to %d and \"after\" an index", LT_FILE_ENTRIES_MAX_LIMIT);
  return FALSE;
}

/* Checks the params into a FileQuery and runs @job with it.  The
 * result is an LtFile, or for file_entries (@paged) its entries. */
static void
run_file_method (LtServerRequest *request,
                 LtStoreJobFunc   job,
                 LtServerJobDone  done,
                 gboolean         paged)
{
  g_autoptr(GError) error = NULL;
  FileQuery *query;

  if (!check_file_service (request))
    return;

  query = g_new0 (FileQuery, 1);
  query->username = g_strdup (lt_server_request_get_username (request));
  query->after = -1;
  query->limit = LT_FILE_ENTRIES_DEFAULT_LIMIT;
  lt_server_request_set_state (request, query, (GDestroyNotify) file_query_free);
  if (!get_file_params (request->params, query, paged, &error))
    {
      lt_server_request_return_error (request, error);
      return;
    }

  lt_server_request_run_job (request, job, query, NULL,
                             paged ? (GDestroyNotify) g_ptr_array_unref
                                   : (GDestroyNotify) lt_file_free,
                             done);
}

static LtFile *
open_file (LtStore     *store,
           gpointer     data,
           LtFileAccess access,
           GError     **error)
{
  FileQuery *query = data;

  return lt_store_open_file (store, query->file_id, query->username, access, error);
}

static gboolean
is_recipient (const LtFile *file,
              const char   *username)
{
  return file->to[0] != '#' && strcmp (file->to, username) == 0;
}

/* file_resume */

static gpointer
open_to_send_job (LtStore *store,
                  gpointer data,
                  GError **error)
{
  return open_file (store, data, LT_FILE_ACCESS_SEND, error);
}

static void
on_file_resumed (LtServerRequest *request,
                 gpointer         result,
                 const GError    *error)
{
  g_autoptr(LtFile) file = result;

  if (error != NULL)
    lt_server_request_return_error (request, error);
  else
    lt_server_request_return (request, add_token (request, json_object_new (), file->id,
                                                  LT_FILE_TOKEN_UPLOAD));
}

void
lt_server_method_file_resume (LtServerRequest *request)
{
  run_file_method (request, open_to_send_job, on_file_resumed, FALSE);
}

/* file_cancel */

static gpointer
cancel_job (LtStore *store,
            gpointer data,
            GError **error)
{
  g_autoptr(LtFile) file = open_file (store, data, LT_FILE_ACCESS_SEND, error);

  if (file == NULL || !lt_store_cancel_file (store, file->id, error))
    return NULL;

  return g_steal_pointer (&file);
}

static void
on_file_cancelled (LtServerRequest *request,
                   gpointer         result,
                   const GError    *error)
{
  g_autoptr(LtFile) file = result;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  /* Only once the cancel is committed: an upload could not resume. */
  lt_file_storage_drop_async (request->server->file_storage, file->id, file->n_entries, NULL,
                              NULL);
  lt_server_request_return (request, NULL);
}

void
lt_server_method_file_cancel (LtServerRequest *request)
{
  run_file_method (request, cancel_job, on_file_cancelled, FALSE);
}

/* file_accept */

static gpointer
accept_job (LtStore *store,
            gpointer data,
            GError **error)
{
  FileQuery *query = data;
  g_autoptr(LtFile) file = open_file (store, data, LT_FILE_ACCESS_RECEIVE, error);

  /* The recipient's first download answers a private file. */
  if (file != NULL && is_recipient (file, query->username)
      && file->answer == LT_FILE_ANSWER_NONE)
    {
      if (!lt_store_answer_file (store, file->id, LT_FILE_ANSWER_ACCEPTED, error))
        return NULL;
      file->answer = LT_FILE_ANSWER_ACCEPTED;
    }

  return g_steal_pointer (&file);
}

static void
on_file_accepted (LtServerRequest *request,
                  gpointer         result,
                  const GError    *error)
{
  g_autoptr(LtFile) file = result;
  JsonObject *reply;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  reply = add_token (request, json_object_new (), file->id, LT_FILE_TOKEN_DOWNLOAD);
  add_content_members (reply, file);
  lt_server_request_return (request, reply);
}

void
lt_server_method_file_accept (LtServerRequest *request)
{
  run_file_method (request, accept_job, on_file_accepted, FALSE);
}

/* file_reject */

/* Returns the file with the answer it had before. */
static gpointer
reject_job (LtStore *store,
            gpointer data,
            GError **error)
{
  g_autoptr(LtFile) file = open_file (store, data, LT_FILE_ACCESS_ANSWER, error);

  if (file == NULL)
    return NULL;

  if (file->answer != LT_FILE_ANSWER_REJECTED
      && !lt_store_answer_file (store, file->id, LT_FILE_ANSWER_REJECTED, error))
    return NULL;

  return g_steal_pointer (&file);
}

static void
on_file_rejected (LtServerRequest *request,
                  gpointer         result,
                  const GError    *error)
{
  g_autoptr(LtFile) file = result;
  g_autoptr(JsonObject) params = NULL;
  g_autoptr(GBytes) frame = NULL;

  if (error != NULL)
    {
      lt_server_request_return_error (request, error);
      return;
    }

  /* Rejecting again changes nothing, and tells nobody. */
  if (file->answer != LT_FILE_ANSWER_REJECTED)
    {
      params = json_object_new ();
      json_object_set_int_member (params, "file_id", file->id);
      json_object_set_string_member (params, "by", file->to);
      json_object_set_string_member (params, "to", file->from);
      frame = lt_jsonrpc_notification_new ("file_rejected", params);
      lt_server_send_to_conversation (request->server, file->from, file->to, frame);
    }

  lt_server_request_return (request, NULL);
}

void
lt_server_method_file_reject (LtServerRequest *request)
{
  run_file_method (request, reject_job, on_file_rejected, FALSE);
}

/* file_entries */

static gpointer
list_entries_job (LtStore *store,
                  gpointer data,
                  GError **error)
{
  FileQuery *query = data;
  g_autoptr(LtFile) file = open_file (store, data, LT_FILE_ACCESS_RECEIVE, error);

  if (file == NULL)
    return NULL;

  return lt_store_list_file_entries (store, file->id, query->after, query->limit, &query->more,
                                     error);
}

static JsonObject *
entry_object (const LtFileEntry *entry)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "index", entry->index);
  json_object_set_string_member (object, "path", entry->path);
  /* Only directories have no hash. */
  if (entry->sha256 == NULL)
    {
      json_object_set_boolean_member (object, "dir", TRUE);
      return object;
    }

  json_object_set_int_member (object, "size", entry->size);
  json_object_set_string_member (object, "sha256", entry->sha256);
  return object;
}

static void
on_file_entries (LtServerRequest *request,
                 gpointer         result,
                 const GError    *error)
{
  g_autoptr(GPtrArray) entries = result;
  FileQuery *query = request->state;

  if (error != NULL)
    lt_server_request_return_error (request, error);
  else
    lt_server_request_return_page (request, "entries", entries,
                                   (LtServerObjectFunc) entry_object, query->more);
}

void
lt_server_method_file_entries (LtServerRequest *request)
{
  run_file_method (request, list_entries_job, on_file_entries, TRUE);
}

/* file_list ------------------------------------------------------------- */

static JsonObject *
file_list_object (const LtMessage *announcement)
{
  JsonObject *object = lt_server_file_object (announcement->file);

  json_object_set_int_member (object, "id", announcement->id);
  json_object_set_int_member (object, "ts", announcement->ts);
  json_object_set_string_member (object, "from", announcement->from);
  json_object_set_string_member (object, "to", announcement->to);
  return object;
}

void
lt_server_method_file_list (LtServerRequest *request)
{
  if (check_file_service (request))
    lt_server_list_conversation (request, lt_store_list_files, "files",
                                 (LtServerObjectFunc) file_list_object);
}
