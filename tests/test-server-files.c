/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: the chat side of file transfer (PROTOCOL.md §13):
 * file_offer, file_entries_add, file_resume, file_cancel, file_accept,
 * file_reject, file_entries, file_list, and what file_offered and
 * history say of a file.  The uploads themselves (HTTP) are tested in
 * test-server-http.c. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-server-methods.h"
#include "lt-test-utils.h"

#include <string.h>

/* sha256 ("") */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DAY_MS (24 * 60 * 60 * (gint64) 1000)

static gint64
get_int (JsonObject *object,
         const char *member)
{
  if (!json_object_has_member (object, member))
    {
      g_autofree char *text = lt_test_object_to_string (object);

      lt_test_fail ("Expected a member \"%s\" in %s", member, text);
    }
  return json_object_get_int_member (object, member);
}

static void
assert_no_member (JsonObject *object,
                  const char *member)
{
  if (json_object_has_member (object, member))
    {
      g_autofree char *text = lt_test_object_to_string (object);

      lt_test_fail ("Expected no member \"%s\", got %s", member, text);
    }
}

/* Offers the folder of @params; returns the file_id. */
static gint64
offer_folder (LtTestClient *client,
              const char   *params)
{
  return get_int (lt_test_call_ok (client, "file_offer", "%s", params), "file_id");
}

static void
assert_message_names (JsonObject *error,
                      const char *path)
{
  const char *message = json_object_get_string_member_with_default (error, "message", "");

  if (strstr (message, path) == NULL)
    lt_test_fail ("Expected an error message naming \"%s\", got \"%s\"", path, message);
}

/* Offers a file of @size bytes to @to; returns the file_id. */
static gint64
offer_file (LtTestClient *client,
            const char   *to,
            const char   *name,
            gint64        size)
{
  JsonObject *result = lt_test_call_ok (client, "file_offer",
                                        "{'to':'%s','name':'%s','size':%" G_GINT64_FORMAT
                                        ",'sha256':'" EMPTY_SHA256 "'}", to, name, size);

  return get_int (result, "file_id");
}

/* Checks a result carrying an URL and a fresh token for @file_id, good
 * for @lifetime_ms. */
static void
assert_token_lifetime (JsonObject *result,
                       const char *url_member,
                       gint64      file_id,
                       gint64      lifetime_ms)
{
  g_autofree char *url = g_strdup_printf ("/files/%" G_GINT64_FORMAT, file_id);
  gint64 now = g_get_real_time () / 1000;
  gint64 expires = get_int (result, "expires");

  lt_test_assert_object (result, "{'%s':'%s'}", url_member, url);
  g_assert_cmpuint (strlen (json_object_get_string_member_with_default (result, "token", "")),
                    >, 0);
  /* @lifetime_ms from now, give or take a slow test run. */
  if (expires < now + lifetime_ms - 60 * 1000 || expires > now + lifetime_ms + 60 * 1000)
    lt_test_fail ("Expected %s's token to expire in about %" G_GINT64_FORMAT " ms, got %"
                  G_GINT64_FORMAT " ms", url_member, lifetime_ms, expires - now);
}

/* A token good for the default 24 hours. */
static void
assert_token (JsonObject *result,
              const char *url_member,
              gint64      file_id)
{
  assert_token_lifetime (result, url_member, file_id, DAY_MS);
}

static void
test_offer (LtTestFixture *fixture,
            gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  JsonObject *result;
  gint64 file_id, folder_id;

  result = lt_test_call_ok (alice, "file_offer",
                            "{'to':'bob','name':'report.pdf','size':0,"
                            "'sha256':'" EMPTY_SHA256 "'}");
  file_id = get_int (result, "file_id");
  g_assert_cmpint (file_id, >, 0);
  lt_test_assert_object (result, "{'file_id':%" G_GINT64_FORMAT ",'name':'report.pdf'}",
                         file_id);
  assert_token (result, "upload_url", file_id);

  /* The name is reduced to a safe base name, and said so. */
  result = lt_test_call_ok (alice, "file_offer",
                            "{'to':'bob','name':'../../etc/passwd','size':10,"
                            "'sha256':'" EMPTY_SHA256 "'}");
  g_assert_cmpint (get_int (result, "file_id"), >, file_id);
  lt_test_assert_object (result, "{'name':'passwd'}");
  result = lt_test_call_ok (alice, "file_offer",
                            "{'to':'bob','name':'..','size':1,'sha256':'" EMPTY_SHA256 "'}");
  lt_test_assert_object (result, "{'name':'file'}");

  /* A folder, to a room, and to oneself. */
  result = lt_test_call_ok (alice, "file_offer",
                            "{'to':'#lobby','name':'photos/2024','entries':["
                            "{'path':'summer','dir':true},"
                            "{'path':'summer/sea.jpg','size':5,'sha256':'" EMPTY_SHA256 "'},"
                            "{'path':'empty','dir':true}]}");
  folder_id = get_int (result, "file_id");
  lt_test_assert_object (result, "{'name':'2024'}");
  assert_token (result, "upload_url", folder_id);
  g_assert_cmpint (offer_file (alice, "alice", "note.txt", 3), >, folder_id);

  /* Nobody hears of an offer before all its bytes are in. */
  lt_test_expect_no_notification (bob, "file_offered", 200);
  lt_test_expect_no_notification (alice, "file_offered", 0);
  lt_test_assert_object (lt_test_call_ok (bob, "file_list", "{'with':'alice'}"),
                         "{'files':[],'more':false}");
  lt_test_assert_object (lt_test_call_ok (alice, "file_list", "{'with':'#lobby'}"),
                         "{'files':[],'more':false}");
  lt_test_assert_object (lt_test_call_ok (bob, "history", "{'with':'alice'}"),
                         "{'messages':[],'more':false}");
}

static void
test_offer_invalid (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  static const char *invalid[] = {
    "{}",
    "{'name':'a','size':1,'sha256':'" EMPTY_SHA256 "'}",
    "{'to':'bob','size':1,'sha256':'" EMPTY_SHA256 "'}",
    "{'to':'bob','name':'a','sha256':'" EMPTY_SHA256 "'}",
    "{'to':'bob','name':'a','size':1}",
    "{'to':5,'name':'a','size':1,'sha256':'" EMPTY_SHA256 "'}",
    "{'to':'No Body','name':'a','size':1,'sha256':'" EMPTY_SHA256 "'}",
    "{'to':'#No Where','name':'a','size':1,'sha256':'" EMPTY_SHA256 "'}",
    "{'to':'bob','name':7,'size':1,'sha256':'" EMPTY_SHA256 "'}",
    "{'to':'bob','name':'a','size':-1,'sha256':'" EMPTY_SHA256 "'}",
    "{'to':'bob','name':'a','size':'1','sha256':'" EMPTY_SHA256 "'}",
    "{'to':'bob','name':'a','size':1.5,'sha256':'" EMPTY_SHA256 "'}",
    /* uppercase, 63 and 65 digits, not hex */
    "{'to':'bob','name':'a','size':1,"
    "'sha256':'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855'}",
    "{'to':'bob','name':'a','size':1,"
    "'sha256':'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85'}",
    "{'to':'bob','name':'a','size':1,"
    "'sha256':'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555'}",
    "{'to':'bob','name':'a','size':1,"
    "'sha256':'g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'}",
    "{'to':'bob','name':'a','size':1,'sha256':''}",
    /* a file with "more", a folder with "size" */
    "{'to':'bob','name':'a','size':1,'sha256':'" EMPTY_SHA256 "','more':true}",
    "{'to':'bob','name':'a','size':1,'entries':[{'path':'x','dir':true}]}",
    /* folders: empty, bad entries, bad paths, a path twice */
    "{'to':'bob','name':'a','entries':[]}",
    "{'to':'bob','name':'a','entries':{}}",
    "{'to':'bob','name':'a','entries':['x']}",
    "{'to':'bob','name':'a','entries':[{'dir':true}]}",
    "{'to':'bob','name':'a','entries':[{'path':'x'}]}",
    "{'to':'bob','name':'a','entries':[{'path':'x','size':-1,'sha256':'" EMPTY_SHA256 "'}]}",
    "{'to':'bob','name':'a','entries':[{'path':'x','size':1,'sha256':'abc'}]}",
    "{'to':'bob','name':'a','entries':[{'path':'x','dir':'yes'}]}",
    "{'to':'bob','name':'a','entries':[{'path':'../x','dir':true}]}",
    "{'to':'bob','name':'a','entries':[{'path':'/abs','dir':true}]}",
    "{'to':'bob','name':'a','entries':[{'path':'a//b','dir':true}]}",
    "{'to':'bob','name':'a','entries':[{'path':'a\\\\b','dir':true}]}",
    "{'to':'bob','name':'a','entries':[{'path':'a/','dir':true}]}",
    "{'to':'bob','name':'a','entries':[{'path':'a/./b','dir':true}]}",
    "{'to':'bob','name':'a','entries':[{'path':'','dir':true}]}",
    "{'to':'bob','name':'a','entries':[{'path':'x','dir':true},"
    "{'path':'x','size':1,'sha256':'" EMPTY_SHA256 "'}]}",
    "{'to':'bob','name':'a','entries':[{'path':'x','dir':true}],'more':1}",
    /* -32602 comes before the unknown recipient */
    "{'to':'nobody','name':'a','size':-1,'sha256':'" EMPTY_SHA256 "'}",
    "{'to':'nobody','name':'a','entries':[{'path':'x','dir':true},{'path':'x','dir':true}]}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    lt_test_call_error (alice, "file_offer", -32602, "invalid_params", "%s", invalid[i]);

  /* Nothing was stored by any of them: no quota taken, nothing to list. */
  lt_test_assert_object (lt_test_call_ok (alice, "file_list", "{'with':'bob'}"),
                         "{'files':[],'more':false}");
  lt_test_expect_no_notification (bob, "file_offered", 100);
}

/* The message of an error names the path of the entry it refuses. */
static void
test_offer_names_entry (LtTestFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");

  assert_message_names (lt_test_call_error (alice, "file_offer", -32602, "invalid_params",
                                            "{'to':'alice','name':'a','entries':["
                                            "{'path':'ok','dir':true},"
                                            "{'path':'up/../x','dir':true}]}"),
                        "up/../x");
  assert_message_names (lt_test_call_error (alice, "file_offer", -32602, "invalid_params",
                                            "{'to':'alice','name':'a','entries':["
                                            "{'path':'dup','dir':true},"
                                            "{'path':'dup','dir':true}]}"),
                        "dup");
}

static const LtTestServerOptions large_frames = {
  .args = { "--max-frame", "1048576", NULL },
};

static void
test_offer_too_many_entries (LtTestFixture *fixture,
                             gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(GString) params = g_string_new ("{'to':'alice','name':'big','entries':[");

  for (guint i = 0; i <= LT_MAX_FOLDER_ENTRIES; i++)
    g_string_append_printf (params, "%s{'path':'d%u','dir':true}", i > 0 ? "," : "", i);
  g_string_append (params, "]}");
  lt_test_call_error (alice, "file_offer", -32602, "invalid_params", "%s", params->str);

  /* One fewer is a folder. */
  g_string_truncate (params, strrchr (params->str, '{') - params->str - 1);
  g_string_append (params, "]}");
  g_assert_cmpint (offer_folder (alice, params->str), >, 0);
}

static const LtTestServerOptions small_files = {
  .args = { "--max-file-size", "1000", "--file-quota", "1500", NULL },
};

static void
test_offer_limits (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  gint64 first, second;

  lt_test_call_error (alice, "file_offer", 1014, "file_too_large",
                      "{'to':'bob','name':'a','size':1001,'sha256':'" EMPTY_SHA256 "'}");
  lt_test_call_error (alice, "file_offer", 1014, "file_too_large",
                      "{'to':'bob','name':'a','size':9223372036854775807,"
                      "'sha256':'" EMPTY_SHA256 "'}");
  lt_test_call_error (alice, "file_offer", 1014, "file_too_large",
                      "{'to':'bob','name':'a','entries':["
                      "{'path':'x','size':600,'sha256':'" EMPTY_SHA256 "'},"
                      "{'path':'y','size':401,'sha256':'" EMPTY_SHA256 "'}]}");
  /* file_too_large comes before the unknown recipient. */
  lt_test_call_error (alice, "file_offer", 1014, "file_too_large",
                      "{'to':'nobody','name':'a','size':1001,'sha256':'" EMPTY_SHA256 "'}");

  /* The limit is inclusive; the quota counts what is pending. */
  first = offer_file (alice, "bob", "a", 1000);
  lt_test_call_error (alice, "file_offer", 1015, "quota_exceeded",
                      "{'to':'bob','name':'b','size':501,'sha256':'" EMPTY_SHA256 "'}");
  second = offer_file (alice, "bob", "b", 500);
  g_assert_cmpint (second, >, first);
  lt_test_call_error (alice, "file_offer", 1015, "quota_exceeded",
                      "{'to':'bob','name':'c','size':1,'sha256':'" EMPTY_SHA256 "'}");
  /* The quota is the sender's own. */
  offer_file (bob, "alice", "c", 1000);

  /* A cancelled offer gives its quota back. */
  lt_test_assert_object (lt_test_call_ok (alice, "file_cancel",
                                          "{'file_id':%" G_GINT64_FORMAT "}", first),
                         "{}");
  offer_file (alice, "bob", "d", 1000);

  /* A folder's pages count, each and together. */
  lt_test_call_ok (alice, "file_cancel", "{'file_id':%" G_GINT64_FORMAT "}", second);
  first = get_int (lt_test_call_ok (bob, "file_offer",
                                    "{'to':'alice','name':'f','more':true,'entries':["
                                    "{'path':'x','dir':true}]}"),
                   "file_id");
  lt_test_call_error (bob, "file_entries_add", 1015, "quota_exceeded",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':["
                      "{'path':'x/y','size':501,'sha256':'" EMPTY_SHA256 "'}]}", first);
  lt_test_call_error (bob, "file_entries_add", 1014, "file_too_large",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':["
                      "{'path':'x/y','size':1001,'sha256':'" EMPTY_SHA256 "'}]}", first);
}

static void
test_offer_recipients (LtTestFixture *fixture,
                       gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");

  lt_test_call_error (alice, "file_offer", 1004, "no_such_user",
                      "{'to':'nobody','name':'a','size':1,'sha256':'" EMPTY_SHA256 "'}");
  lt_test_call_error (alice, "file_offer", 1010, "no_such_room",
                      "{'to':'#nowhere','name':'a','size':1,'sha256':'" EMPTY_SHA256 "'}");
  lt_test_call_ok (bob, "room_create", "{'room':'#secret'}");
  lt_test_call_error (alice, "file_offer", 1012, "not_in_room",
                      "{'to':'#secret','name':'a','size':1,'sha256':'" EMPTY_SHA256 "'}");
  lt_test_call_error (alice, "file_offer", 1012, "not_in_room",
                      "{'to':'#secret','name':'a','entries':[{'path':'x','dir':true}]}");
  offer_file (bob, "#secret", "a", 1);
}

static void
test_folder_pages (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  JsonObject *result;
  gint64 folder;

  result = lt_test_call_ok (alice, "file_offer",
                            "{'to':'bob','name':'music','more':true,'entries':["
                            "{'path':'a','dir':true},"
                            "{'path':'a/1.ogg','size':10,'sha256':'" EMPTY_SHA256 "'}]}");
  folder = get_int (result, "file_id");
  assert_token (result, "upload_url", folder);

  /* Only the sender adds pages. */
  lt_test_call_error (bob, "file_entries_add", 1016, "no_such_file",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':["
                      "{'path':'b','dir':true}]}", folder);
  lt_test_call_error (alice, "file_entries_add", 1016, "no_such_file",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':["
                      "{'path':'b','dir':true}]}", folder + 1000);

  /* The params are checked like file_offer's; "more" is required. */
  lt_test_call_error (alice, "file_entries_add", -32602, "invalid_params",
                      "{'file_id':%" G_GINT64_FORMAT ",'entries':[{'path':'b','dir':true}]}",
                      folder);
  lt_test_call_error (alice, "file_entries_add", -32602, "invalid_params",
                      "{'more':false,'entries':[{'path':'b','dir':true}]}");
  lt_test_call_error (alice, "file_entries_add", -32602, "invalid_params",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':["
                      "{'path':'../b','dir':true}]}", folder);
  /* A path of an earlier page is listed twice too. */
  lt_test_call_error (alice, "file_entries_add", -32602, "invalid_params",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':["
                      "{'path':'a/1.ogg','size':1,'sha256':'" EMPTY_SHA256 "'}]}", folder);

  lt_test_assert_object (lt_test_call_ok (alice, "file_entries_add",
                                          "{'file_id':%" G_GINT64_FORMAT ",'more':true,"
                                          "'entries':[{'path':'b','dir':true}]}", folder),
                         "{}");
  lt_test_assert_object (lt_test_call_ok (alice, "file_entries_add",
                                          "{'file_id':%" G_GINT64_FORMAT ",'more':false,"
                                          "'entries':[{'path':'b/2.ogg','size':20,"
                                          "'sha256':'" EMPTY_SHA256 "'}]}", folder),
                         "{}");

  /* After the last page, the entries are complete. */
  lt_test_call_error (alice, "file_entries_add", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':["
                      "{'path':'c','dir':true}]}", folder);
  /* And a file has no pages at all. */
  lt_test_call_error (alice, "file_entries_add", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':["
                      "{'path':'c','dir':true}]}", offer_file (alice, "bob", "f", 1));

  /* The sender may resume the folder's upload now. */
  assert_token (lt_test_call_ok (alice, "file_resume", "{'file_id':%" G_GINT64_FORMAT "}",
                                 folder),
                "upload_url", folder);
}

/* A folder of which every page is full may end with an empty one. */
static void
test_folder_empty_last_page (LtTestFixture *fixture,
                             gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  gint64 folder;

  folder = get_int (lt_test_call_ok (alice, "file_offer",
                                     "{'to':'alice','name':'f','more':true,'entries':["
                                     "{'path':'x','dir':true}]}"),
                    "file_id");
  lt_test_call_ok (alice, "file_entries_add",
                   "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':[]}", folder);
  lt_test_call_error (alice, "file_entries_add", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':[]}", folder);
}

static void
test_resume_cancel (LtTestFixture *fixture,
                    gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autofree char *first_token = NULL;
  JsonObject *result;
  gint64 file_id;

  result = lt_test_call_ok (alice, "file_offer",
                            "{'to':'bob','name':'a','size':5,'sha256':'" EMPTY_SHA256 "'}");
  file_id = get_int (result, "file_id");
  first_token = g_strdup (json_object_get_string_member (result, "token"));

  /* Tokens carry their expiry in ms: let the clock move on. */
  g_usleep (5 * 1000);
  result = lt_test_call_ok (alice, "file_resume", "{'file_id':%" G_GINT64_FORMAT "}", file_id);
  assert_token (result, "upload_url", file_id);
  g_assert_cmpstr (json_object_get_string_member (result, "token"), !=, first_token);
  assert_no_member (result, "file_id");

  /* Another user's offer, and one that does not exist. */
  lt_test_call_error (bob, "file_resume", 1016, "no_such_file",
                      "{'file_id':%" G_GINT64_FORMAT "}", file_id);
  lt_test_call_error (bob, "file_cancel", 1016, "no_such_file",
                      "{'file_id':%" G_GINT64_FORMAT "}", file_id);
  lt_test_call_error (alice, "file_resume", 1016, "no_such_file",
                      "{'file_id':%" G_GINT64_FORMAT "}", file_id + 1000);
  lt_test_call_error (alice, "file_cancel", 1016, "no_such_file", "{'file_id':0}");
  lt_test_call_error (alice, "file_resume", -32602, "invalid_params", "{}");
  lt_test_call_error (alice, "file_cancel", -32602, "invalid_params", "{'file_id':'1'}");

  lt_test_assert_object (lt_test_call_ok (alice, "file_cancel",
                                          "{'file_id':%" G_GINT64_FORMAT "}", file_id),
                         "{}");
  lt_test_call_error (alice, "file_resume", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT "}", file_id);
  lt_test_call_error (alice, "file_cancel", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT "}", file_id);
  lt_test_call_error (alice, "file_entries_add", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT ",'more':false,'entries':[]}", file_id);
  /* Nobody ever heard of it. */
  lt_test_expect_no_notification (bob, "file_offered", 200);
}

static const LtTestServerOptions ten_minute_tokens = {
  .args = { "--file-token-lifetime", "600", NULL },
};

/* --file-token-lifetime sets the "expires" of the tokens; that they
 * then stop working is for test-server-http.c. */
static void
test_token_lifetime (LtTestFixture *fixture,
                     gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  JsonObject *result;
  gint64 file_id;

  result = lt_test_call_ok (alice, "file_offer",
                            "{'to':'bob','name':'a','size':5,'sha256':'" EMPTY_SHA256 "'}");
  file_id = get_int (result, "file_id");
  assert_token_lifetime (result, "upload_url", file_id, 600 * 1000);
  result = lt_test_call_ok (alice, "file_resume", "{'file_id':%" G_GINT64_FORMAT "}", file_id);
  assert_token_lifetime (result, "upload_url", file_id, 600 * 1000);
}

/* Until all its bytes are in, an offer exists for its sender only. */
static void
test_incomplete_hidden (LtTestFixture *fixture,
                        gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (fixture->server, "carol");
  gint64 private_id = offer_file (alice, "bob", "a", 5);
  gint64 room_id = offer_file (alice, "#lobby", "b", 5);
  gint64 ids[] = { private_id, room_id, room_id + 1000 };
  static const char *methods[] = { "file_accept", "file_reject", "file_entries" };

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
        {
          lt_test_call_error (bob, methods[m], 1016, "no_such_file",
                              "{'file_id':%" G_GINT64_FORMAT "}", ids[i]);
          lt_test_call_error (carol, methods[m], 1016, "no_such_file",
                              "{'file_id':%" G_GINT64_FORMAT "}", ids[i]);
        }
    }

  /* Its sender can not download it yet, nor answer it. */
  lt_test_call_error (alice, "file_accept", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT "}", private_id);
  lt_test_call_error (alice, "file_entries", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT "}", room_id);
  lt_test_call_error (alice, "file_reject", -32602, "invalid_params",
                      "{'file_id':%" G_GINT64_FORMAT "}", private_id);
  lt_test_call_error (alice, "file_reject", -32602, "invalid_params",
                      "{'file_id':%" G_GINT64_FORMAT "}", room_id);
  lt_test_expect_no_notification (bob, "file_offered", 100);
  lt_test_expect_no_notification (carol, "file_offered", 0);
}

static void
test_entries_params (LtTestFixture *fixture,
                     gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  static const char *invalid[] = {
    "{}",
    "{'file_id':'1'}",
    "{'file_id':1,'after':-2}",
    "{'file_id':1,'after':'0'}",
    "{'file_id':1,'limit':0}",
    "{'file_id':1,'limit':1001}",
    "{'file_id':1,'limit':true}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    lt_test_call_error (alice, "file_entries", -32602, "invalid_params", "%s", invalid[i]);

  /* The limits are inclusive; the file is looked up after the params. */
  lt_test_call_error (alice, "file_entries", 1016, "no_such_file",
                      "{'file_id':1,'after':-1,'limit':1000}");
  lt_test_call_error (alice, "file_entries", 1016, "no_such_file",
                      "{'file_id':1,'limit':1}");
  lt_test_call_error (alice, "file_accept", -32602, "invalid_params", "{'file_id':null}");
  lt_test_call_error (alice, "file_reject", -32602, "invalid_params", "{}");
}

/* file_list takes the params of history and answers the same errors. */
static void
test_file_list (LtTestFixture *fixture,
                gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (fixture->server, "bob");
  static const struct
  {
    const char *params;
    gint code;
    const char *reason;
  } errors[] = {
    { "{}", -32602, "invalid_params" },
    { "{'with':5}", -32602, "invalid_params" },
    { "{'with':'No Body'}", -32602, "invalid_params" },
    { "{'with':'bob','limit':0}", -32602, "invalid_params" },
    { "{'with':'bob','limit':201}", -32602, "invalid_params" },
    { "{'with':'bob','limit':'3'}", -32602, "invalid_params" },
    { "{'with':'bob','before':-5}", -32602, "invalid_params" },
    { "{'with':'nobody','limit':0}", -32602, "invalid_params" },
    { "{'with':'nobody'}", 1004, "no_such_user" },
    { "{'with':'#nowhere'}", 1010, "no_such_room" },
    { "{'with':'#secret'}", 1012, "not_in_room" },
  };

  lt_test_call_ok (bob, "room_create", "{'room':'#secret'}");
  for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
    lt_test_call_error (alice, "file_list", errors[i].code, errors[i].reason, "%s",
                        errors[i].params);

  /* Text messages are no files. */
  lt_test_send (alice, "bob", "hello");
  lt_test_assert_object (lt_test_call_ok (alice, "file_list", "{'with':'bob'}"),
                         "{'files':[],'more':false}");
  lt_test_assert_object (lt_test_call_ok (bob, "file_list",
                                          "{'with':'alice','before':0,'limit':200}"),
                         "{'files':[],'more':false}");
}

static const LtTestServerOptions no_file_service = {
  .args = { "--http-port", "-1", NULL },
};

static void
test_service_off (LtTestFixture *fixture,
                  gconstpointer  data)
{
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (fixture->server, "alice");
  static const char *methods[] = {
    "file_offer", "file_entries_add", "file_resume", "file_cancel",
    "file_accept", "file_reject", "file_entries", "file_list",
  };

  assert_no_member (lt_test_client_get_hello (alice), "http");
  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    lt_test_call_error (alice, methods[i], -32601, "method_not_found",
                        "{'to':'alice','name':'a','size':1,'sha256':'" EMPTY_SHA256 "',"
                        "'file_id':1,'with':'alice'}");
  /* Chat goes on as ever. */
  lt_test_send (alice, "alice", "still here");
}

static void
test_login_needed (LtTestFixture *fixture,
                   gconstpointer  data)
{
  g_autoptr(LtTestClient) client = lt_test_client_new (fixture->server);

  lt_test_call_error (client, "file_offer", 1000, "not_logged_in",
                      "{'to':'alice','name':'a','size':1,'sha256':'" EMPTY_SHA256 "'}");
  lt_test_call_error (client, "file_list", 1000, "not_logged_in", "{'with':'alice'}");
}

/* What the server says of a complete file, built as it is sent. */

static LtMessage *
announcement_new (const char *to,
                  gboolean    folder,
                  LtFileAnswer answer)
{
  LtMessage *message = g_new0 (LtMessage, 1);
  LtFile *file = g_new0 (LtFile, 1);

  file->id = 7;
  file->from = g_strdup ("alice");
  file->to = g_strdup (to);
  file->name = g_strdup ("report.pdf");
  file->size = 1234;
  file->sha256 = folder ? NULL : g_strdup (EMPTY_SHA256);
  file->folder = folder;
  file->n_entries = folder ? 3 : 1;
  file->state = LT_FILE_STATE_COMPLETE;
  file->answer = answer;
  file->message_id = 42;
  message->id = 42;
  message->ts = 1700000000000;
  message->from = g_strdup ("alice");
  message->nickname = g_strdup ("Alice");
  message->to = g_strdup (to);
  message->text = g_strdup ("report.pdf");
  message->file = file;
  return message;
}

static JsonObject *
frame_params (GBytes     *frame,
              const char *method)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;
  gsize length;
  const char *data = g_bytes_get_data (frame, &length);

  g_assert_cmpint (data[length - 1], ==, '\n');
  json_parser_load_from_data (parser, data, length - 1, &error);
  g_assert_no_error (error);
  root = json_node_get_object (json_parser_get_root (parser));
  lt_test_assert_object (root, "{'jsonrpc':'2.0','method':'%s'}", method);
  assert_no_member (root, "id");
  return json_object_ref (json_object_get_object_member (root, "params"));
}

static void
test_file_offered_frame (void)
{
  g_autoptr(LtMessage) file = announcement_new ("bob", FALSE, LT_FILE_ANSWER_NONE);
  g_autoptr(LtMessage) folder = announcement_new ("#lobby", TRUE, LT_FILE_ANSWER_NONE);
  g_autoptr(GBytes) live = lt_server_file_offered_frame (file, FALSE);
  g_autoptr(GBytes) offline = lt_server_file_offered_frame (file, TRUE);
  g_autoptr(GBytes) folder_frame = lt_server_file_offered_frame (folder, FALSE);
  g_autoptr(JsonObject) params = frame_params (live, "file_offered");

  lt_test_assert_object (params, "{'id':42,'ts':1700000000000,'file_id':7,'from':'alice',"
                         "'nickname':'Alice','to':'bob','name':'report.pdf','size':1234,"
                         "'sha256':'" EMPTY_SHA256 "'}");
  g_assert_cmpuint (json_object_get_size (params), ==, 9);

  g_clear_pointer (&params, json_object_unref);
  params = frame_params (offline, "file_offered");
  lt_test_assert_object (params, "{'id':42,'file_id':7,'offline':true}");
  g_assert_cmpuint (json_object_get_size (params), ==, 10);

  g_clear_pointer (&params, json_object_unref);
  params = frame_params (folder_frame, "file_offered");
  lt_test_assert_object (params, "{'to':'#lobby','name':'report.pdf','size':1234,"
                         "'folder':true}");
  assert_no_member (params, "sha256");
  assert_no_member (params, "offline");
  assert_no_member (params, "text");
  assert_no_member (params, "state");
}

static void
test_file_object (void)
{
  static const struct
  {
    const char *to;
    LtFileAnswer answer;
    const char *state;
  } states[] = {
    { "bob", LT_FILE_ANSWER_NONE, "offered" },
    { "bob", LT_FILE_ANSWER_ACCEPTED, "accepted" },
    { "bob", LT_FILE_ANSWER_REJECTED, "rejected" },
    { "#lobby", LT_FILE_ANSWER_NONE, "shared" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autoptr(LtMessage) message = announcement_new (states[i].to, FALSE, states[i].answer);
      g_autoptr(JsonObject) object = lt_server_file_object (message->file);

      lt_test_assert_object (object, "{'file_id':7,'name':'report.pdf','size':1234,"
                             "'sha256':'" EMPTY_SHA256 "','state':'%s'}", states[i].state);
      g_assert_cmpuint (json_object_get_size (object), ==, 5);
    }

  {
    g_autoptr(LtMessage) message = announcement_new ("bob", TRUE, LT_FILE_ANSWER_NONE);
    g_autoptr(JsonObject) object = lt_server_file_object (message->file);

    lt_test_assert_object (object, "{'file_id':7,'folder':true,'state':'offered'}");
    assert_no_member (object, "sha256");
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/files/frames/file-offered", test_file_offered_frame);
  g_test_add_func ("/files/frames/file-object", test_file_object);
  lt_test_add ("/files/offer", NULL, test_offer);
  lt_test_add ("/files/offer/invalid", NULL, test_offer_invalid);
  lt_test_add ("/files/offer/names-entry", NULL, test_offer_names_entry);
  lt_test_add ("/files/offer/too-many-entries", &large_frames, test_offer_too_many_entries);
  lt_test_add ("/files/offer/limits", &small_files, test_offer_limits);
  lt_test_add ("/files/offer/recipients", NULL, test_offer_recipients);
  lt_test_add ("/files/folder-pages", NULL, test_folder_pages);
  lt_test_add ("/files/folder-pages/empty-last", NULL, test_folder_empty_last_page);
  lt_test_add ("/files/resume-cancel", NULL, test_resume_cancel);
  lt_test_add ("/files/token-lifetime", &ten_minute_tokens, test_token_lifetime);
  lt_test_add ("/files/incomplete-hidden", NULL, test_incomplete_hidden);
  lt_test_add ("/files/entries-params", NULL, test_entries_params);
  lt_test_add ("/files/list", NULL, test_file_list);
  lt_test_add ("/files/service-off", &no_file_service, test_service_off);
  lt_test_add ("/files/login-needed", NULL, test_login_needed);

  return g_test_run ();
}
