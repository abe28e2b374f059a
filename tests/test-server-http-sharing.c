/* SPDX-License-Identifier: GPL-3.0-or-later */
/* liaotian-server: files shared over HTTP, beyond one upload and one
 * download (test-server-http.c): room files, folders, announcements to
 * offline users, answers, unsafe names, and what history says. */
#include "config.h"

#include "lt-protocol.h"
#include "lt-test-http.h"

#include <string.h>

/* Offers @content under @name to @to and uploads it. */
static LtTestOffer *
send_file (LtTestServer *server,
           LtTestClient *sender,
           const char   *to,
           const char   *name,
           const char   *content)
{
  LtTestOffer *offer = lt_test_offer_file (sender, to, name, content, NULL);
  g_autoptr(LtTestReply) put = lt_test_put_bytes (server, offer, content);

  lt_test_assert_status (put, SOUP_STATUS_CREATED);
  return offer;
}

/* The file name that Content-Disposition gives to a download. */
static char *
downloaded_name (LtTestServer *server,
                 const char   *path,
                 const char   *token)
{
  g_autoptr(LtTestReply) head = lt_test_http_request (server, "HEAD", path, token, NULL, NULL);
  g_autoptr(GHashTable) params = NULL;
  g_autofree char *disposition = NULL;

  lt_test_assert_status (head, SOUP_STATUS_OK);
  if (!soup_message_headers_get_content_disposition (head->headers, &disposition, &params))
    lt_test_fail ("Expected a Content-Disposition in the answer to HEAD %s, got none", path);
  g_assert_cmpstr (disposition, ==, "attachment");
  return g_strdup (g_hash_table_lookup (params, "filename"));
}

/* A room file: no answer, every member downloads it, nobody else. */
static void
test_room (LtTestFixture *fixture,
           gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autoptr(LtTestClient) carol = lt_test_client_new_user (server, "carol");
  g_autoptr(LtTestOffer) offer = NULL;
  g_autofree char *bob_token = NULL;
  g_autofree char *alice_token = NULL;

  lt_test_call_ok (alice, "room_create", "{'room':'#team'}");
  lt_test_call_ok (bob, "room_join", "{'room':'#team'}");
  offer = send_file (server, alice, "#team", "plan.txt", "the plan");
  lt_test_wait_notification_like (bob, "file_offered",
                                  "{'file_id':%" G_GINT64_FORMAT ",'from':'alice','to':'#team'}",
                                  offer->file_id);
  lt_test_wait_notification (alice, "file_offered");
  lt_test_expect_no_notification (carol, "file_offered", 100);

  bob_token = lt_test_accept_file (bob, offer->file_id);
  lt_test_assert_get (server, offer->url, bob_token, SOUP_STATUS_OK, "the plan");
  alice_token = lt_test_accept_file (alice, offer->file_id);
  lt_test_assert_get (server, offer->url, alice_token, SOUP_STATUS_OK, "the plan");
  lt_test_assert_object (lt_test_call_ok (bob, "file_list", "{'with':'#team'}"),
                         "{'files':[{'file_id':%" G_GINT64_FORMAT ",'name':'plan.txt',"
                         "'state':'shared'}],'more':false}", offer->file_id);
  lt_test_call_error (bob, "file_reject", -32602, "invalid_params",
                      "{'file_id':%" G_GINT64_FORMAT "}", offer->file_id);

  lt_test_call_error (carol, "file_accept", 1012, "not_in_room",
                      "{'file_id':%" G_GINT64_FORMAT "}", offer->file_id);
  /* Who left may no longer download, even with a token. */
  lt_test_call_ok (bob, "room_leave", "{'room':'#team'}");
  lt_test_assert_get (server, offer->url, bob_token, SOUP_STATUS_FORBIDDEN, NULL);
  lt_test_call_error (bob, "file_accept", 1012, "not_in_room",
                      "{'file_id':%" G_GINT64_FORMAT "}", offer->file_id);
}

/* A folder: its files, a directory, one announcement when all is in. */
static void
test_folder (LtTestFixture *fixture,
             gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autofree char *alpha = lt_test_sha256_of ("alpha");
  g_autofree char *beta = lt_test_sha256_of ("beta");
  g_autoptr(GBytes) alpha_bytes = g_bytes_new_static ("alpha", 5);
  g_autoptr(GBytes) beta_bytes = g_bytes_new_static ("beta", 4);
  JsonObject *result = lt_test_call_ok (alice, "file_offer",
                                        "{'to':'bob','name':'album','entries':["
                                        "{'path':'a.txt','size':5,'sha256':'%s'},"
                                        "{'path':'docs/b.txt','size':4,'sha256':'%s'},"
                                        "{'path':'empty','dir':true}]}", alpha, beta);
  gint64 file_id = json_object_get_int_member (result, "file_id");
  g_autofree char *upload_token = g_strdup (json_object_get_string_member (result, "token"));
  g_autofree char *url = g_strdup (json_object_get_string_member (result, "upload_url"));
  g_autofree char *entry0 = g_strconcat (url, "/0", NULL);
  g_autofree char *entry1 = g_strconcat (url, "/1", NULL);
  g_autofree char *entry2 = g_strconcat (url, "/2", NULL);
  g_autofree char *entry3 = g_strconcat (url, "/3", NULL);
  g_autoptr(LtTestReply) put0 = NULL;
  g_autoptr(LtTestReply) put_dir = NULL;
  g_autoptr(LtTestReply) put1 = NULL;
  g_autofree char *token = NULL;
  g_autofree char *name = NULL;

  put0 = lt_test_http_request (server, "PUT", entry0, upload_token, alpha_bytes, NULL);
  lt_test_assert_status (put0, SOUP_STATUS_CREATED);
  lt_test_expect_no_notification (bob, "file_offered", 100);
  put_dir = lt_test_http_request (server, "PUT", entry2, upload_token, alpha_bytes, NULL);
  lt_test_assert_status (put_dir, SOUP_STATUS_NOT_FOUND);
  put1 = lt_test_http_request (server, "PUT", entry1, upload_token, beta_bytes, NULL);
  lt_test_assert_status (put1, SOUP_STATUS_CREATED);
  lt_test_wait_notification_like (bob, "file_offered",
                                  "{'file_id':%" G_GINT64_FORMAT ",'name':'album','size':9,"
                                  "'folder':true}", file_id);

  token = lt_test_accept_file (bob, file_id);
  lt_test_assert_get (server, entry0, token, SOUP_STATUS_OK, "alpha");
  lt_test_assert_get (server, entry1, token, SOUP_STATUS_OK, "beta");
  name = downloaded_name (server, entry1, token);
  g_assert_cmpstr (name, ==, "b.txt");
  /* A directory has no content; there is no fourth entry. */
  lt_test_assert_get (server, entry2, token, SOUP_STATUS_NOT_FOUND, NULL);
  lt_test_assert_get (server, entry3, token, SOUP_STATUS_NOT_FOUND, NULL);

  lt_test_assert_object (lt_test_call_ok (bob, "file_entries",
                                          "{'file_id':%" G_GINT64_FORMAT ",'limit':2}", file_id),
                         "{'entries':[{'index':0,'path':'a.txt','size':5,'sha256':'%s'},"
                         "{'index':1,'path':'docs/b.txt','size':4,'sha256':'%s'}],"
                         "'more':true}", alpha, beta);
  lt_test_assert_object (lt_test_call_ok (bob, "file_entries",
                                          "{'file_id':%" G_GINT64_FORMAT ",'after':1}", file_id),
                         "{'entries':[{'index':2,'path':'empty','dir':true}],'more':false}");
}

/* A file for an offline user is announced at its login, like a
 * message, and not again once acknowledged. */
static void
test_offline (LtTestFixture *fixture,
              gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autoptr(LtTestOffer) offer = NULL;
  JsonObject *offered;
  gint64 id;

  g_clear_pointer (&bob, lt_test_client_free);
  offer = send_file (server, alice, "bob", "while-away.txt", "hello later");
  lt_test_wait_notification (alice, "file_offered");

  bob = lt_test_client_new_login (server, "bob");
  offered = lt_test_wait_notification (bob, "file_offered");
  lt_test_assert_object (offered, "{'file_id':%" G_GINT64_FORMAT ",'from':'alice','to':'bob',"
                         "'name':'while-away.txt','size':11,'offline':true}", offer->file_id);
  id = json_object_get_int_member (offered, "id");
  lt_test_call_ok (bob, "ack", "{'up_to':%" G_GINT64_FORMAT "}", id);

  g_clear_pointer (&bob, lt_test_client_free);
  bob = lt_test_client_new_login (server, "bob");
  lt_test_expect_no_notification (bob, "file_offered", 300);
}

/* The one message of the conversation: file_id, sha256, state. */
#define HISTORY_FORMAT "{'messages':[{'from':'alice','text':'passwd','file':"  \
                       "{'file_id':%" G_GINT64_FORMAT ",'name':'passwd','size':10," \
                       "'sha256':'%s','state':'%s'}}],'more':false}"

/* A name with a path is stored, announced and served as its base name;
 * a rejected file can no longer be downloaded, and its sender is told;
 * history shows the file and its answer. */
static void
test_name_reject_history (LtTestFixture *fixture,
                          gconstpointer  data)
{
  LtTestServer *server = fixture->server;
  g_autoptr(LtTestClient) alice = lt_test_client_new_user (server, "alice");
  g_autoptr(LtTestClient) bob = lt_test_client_new_user (server, "bob");
  g_autoptr(LtTestOffer) offer = send_file (server, alice, "bob", "../../etc/passwd",
                                            "root:x:0:0");
  g_autofree char *sha256 = lt_test_sha256_of ("root:x:0:0");
  g_autofree char *token = NULL;
  g_autofree char *name = NULL;

  lt_test_wait_notification_like (bob, "file_offered",
                                  "{'file_id':%" G_GINT64_FORMAT ",'name':'passwd'}",
                                  offer->file_id);
  token = lt_test_accept_file (bob, offer->file_id);
  lt_test_assert_get (server, offer->url, token, SOUP_STATUS_OK, "root:x:0:0");
  name = downloaded_name (server, offer->url, token);
  g_assert_cmpstr (name, ==, "passwd");
  lt_test_assert_object (lt_test_call_ok (bob, "history", "{'with':'alice'}"), HISTORY_FORMAT,
                         offer->file_id, sha256, "accepted");

  lt_test_call_ok (bob, "file_reject", "{'file_id':%" G_GINT64_FORMAT "}", offer->file_id);
  lt_test_wait_notification_like (alice, "file_rejected",
                                  "{'file_id':%" G_GINT64_FORMAT ",'by':'bob','to':'alice'}",
                                  offer->file_id);
  lt_test_assert_get (server, offer->url, token, SOUP_STATUS_FORBIDDEN, NULL);
  lt_test_call_error (bob, "file_accept", 1017, "file_unavailable",
                      "{'file_id':%" G_GINT64_FORMAT "}", offer->file_id);
  lt_test_assert_object (lt_test_call_ok (alice, "history", "{'with':'bob'}"), HISTORY_FORMAT,
                         offer->file_id, sha256, "rejected");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  lt_test_add ("/server/http/room", NULL, test_room);
  lt_test_add ("/server/http/folder", NULL, test_folder);
  lt_test_add ("/server/http/offline", NULL, test_offline);
  lt_test_add ("/server/http/name-reject-history", NULL, test_name_reject_history);

  return g_test_run ();
}
