/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LtPasswordHasher: argon2id off the main loop, the answer for a wrong
 * password and for an unknown user, and "needs rehash" for a hash made
 * with other parameters than today's. */
#include "config.h"

#include <sodium.h>
#include <string.h>

#include "lt-password-hasher.h"
#include "lt-protocol.h"

typedef struct
{
  GMainLoop *loop;
  char *hash;
  gboolean matches;
  gboolean needs_rehash;
  GError *error;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->loop, g_main_loop_unref);
  g_clear_pointer (&outcome->hash, g_free);
  g_clear_error (&outcome->error);
}

static void
on_hashed (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->hash = lt_password_hasher_hash_finish (LT_PASSWORD_HASHER (source), result,
                                                  &outcome->error);
  g_main_loop_quit (outcome->loop);
}

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Outcome *outcome = user_data;

  outcome->matches = lt_password_hasher_verify_finish (LT_PASSWORD_HASHER (source), result,
                                                       &outcome->needs_rehash, &outcome->error);
  g_main_loop_quit (outcome->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  g_error ("The hasher gave no answer within 30 s");
  return G_SOURCE_REMOVE;
}

/* Runs the loop until the callback quits it, for 30 s at the most. */
static void
wait_for (Outcome *outcome)
{
  guint timeout = g_timeout_add_seconds (30, on_timeout, NULL);

  g_main_loop_run (outcome->loop);
  g_source_remove (timeout);
}

static char *
hash_password (LtPasswordHasher *hasher,
               const char       *password)
{
  Outcome outcome = { g_main_loop_new (NULL, FALSE) };
  char *hash;

  lt_password_hasher_hash_async (hasher, password, on_hashed, &outcome);
  wait_for (&outcome);
  g_assert_no_error (outcome.error);
  g_assert_nonnull (outcome.hash);
  hash = g_steal_pointer (&outcome.hash);
  outcome_clear (&outcome);
  return hash;
}

static void
verify_password (LtPasswordHasher *hasher,
                 const char       *hash,
                 const char       *password,
                 gboolean          expect_match,
                 gboolean          expect_rehash)
{
  Outcome outcome = { g_main_loop_new (NULL, FALSE) };

  lt_password_hasher_verify_async (hasher, hash, password, on_verified, &outcome);
  wait_for (&outcome);
  g_assert_no_error (outcome.error);
  g_assert_cmpint (outcome.matches, ==, expect_match);
  g_assert_cmpint (outcome.needs_rehash, ==, expect_rehash);
  outcome_clear (&outcome);
}

static void
test_hash_and_verify (void)
{
  g_autoptr(LtPasswordHasher) hasher = lt_password_hasher_new (1, 8);
  g_autofree char *hash = hash_password (hasher, "correct horse");
  g_autofree char *again = hash_password (hasher, "correct horse");

  /* argon2id, salted: the same password never gives the same hash. */
  g_assert_true (g_str_has_prefix (hash, "$argon2id$"));
  g_assert_cmpstr (hash, !=, again);
  g_assert_null (strstr (hash, "correct horse"));

  verify_password (hasher, hash, "correct horse", TRUE, FALSE);
  verify_password (hasher, hash, "wrong horse", FALSE, FALSE);
  /* An unknown user is checked against the dummy hash: never a match. */
  verify_password (hasher, lt_password_hasher_get_dummy_hash (hasher), "correct horse", FALSE,
                   FALSE);
}

/* A hash made with other parameters (here: 3 passes, 8 MiB) still
 * verifies, and asks to be replaced. */
static void
test_needs_rehash (void)
{
  g_autoptr(LtPasswordHasher) hasher = lt_password_hasher_new (1, 8);
  char old_hash[crypto_pwhash_STRBYTES];
  const char *password = "an old password";

  g_assert_cmpint (crypto_pwhash_str (old_hash, password, strlen (password), 3, 8 * 1024 * 1024),
                   ==, 0);
  verify_password (hasher, old_hash, password, TRUE, TRUE);
  verify_password (hasher, old_hash, "not it", FALSE, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/password-hasher/hash-and-verify", test_hash_and_verify);
  g_test_add_func ("/password-hasher/needs-rehash", test_needs_rehash);

  return g_test_run ();
}
