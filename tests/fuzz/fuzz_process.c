/* libFuzzer target for the processing paths: the input goes to a
 * Responder (PSK, PK, RSA-R unicast and group, DH, DH-HMAC; new, or after
 * an initial exchange so that updates are taken) as an I_MESSAGE, or to an
 * Initiator's response handler as the answer to the request it has just
 * built. The first byte selects which (fuzz-world.h); everything runs in
 * fuzz-world.c's fixed world (PKI, PSK, clock, deterministic RNG), made
 * once in LLVMFuzzerInitialize; every input gets new objects, so nothing
 * is refused as a replay and every input takes the full path.
 *
 * What must hold, besides no crash, leak or hang: a refusal comes with a
 * GError and a bundle without one; every message the library emits parses
 * and serializes back to itself; an accepted bundle gives SRTP keying (or
 * a GError) for every crypto session.
 *
 * Built without -DMKY_LIBFUZZER it is a replay program, as fuzz_parse.c:
 * each argument, a file or a directory, run once; it prints how many
 * inputs each target accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <mky/mky.h>
#include "fuzz-world.h"
#include "test-util.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint runs[FUZZ_N_TARGETS], accepted[FUZZ_N_TARGETS];

/* A message the library emitted: it must parse, canonically */
static void
check_emitted (GBytes *msg)
{
  g_autoptr (GError) error = NULL;
  gsize len;
  const guint8 *d = g_bytes_get_data (msg, &len);

  if (!test_parse_canonical (d, len, &error))
    g_error ("the library emitted a message it cannot parse: %s",
        error->message);
}

static void
check_bundle (const MkyCsb *csb)
{
  static const MkySpCompat compats[] = {
    MKY_SP_COMPAT_STRICT, MKY_SP_COMPAT_ACCEPT_GSTREAMER,
  };

  for (guint c = 0; c < G_N_ELEMENTS (compats); c++) {
    g_autoptr (GError) error = NULL;
    if (!mky_csb_check (csb, compats[c], &error))
      g_assert_nonnull (error);
    for (guint i = 0; i < mky_csb_n_sessions (csb); i++) {
      MkySrtpKeying k;
      g_autoptr (GError) e = NULL;
      g_autofree char *caps = NULL;

      if (!mky_csb_get_srtp (csb, i, compats[c], &k, &e)) {
        g_assert_nonnull (e);
        continue;
      }
      g_assert_null (e);
      g_assert_cmpuint (k.n_keys, <=, MKY_SRTP_MAX_KEYS);
      caps = mky_srtp_keying_caps_string (&k, &e);
      g_assert_true (caps != NULL || e != NULL);
      mky_srtp_keying_clear (&k);
    }
  }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  fuzz_world_init ();
  /* the established Responders must have taken the initial messages:
   * else their targets only ever see unknown bundles */
  for (guint i = 0; i < FUZZ_N_TARGETS; i++) {
    gboolean ok;
    if (fuzz_targets[i].initiator || !fuzz_targets[i].established)
      continue;
    fuzz_responder_free (fuzz_responder_new (fuzz_targets[i].kind, TRUE,
            &ok));
    if (!ok)
      g_printerr ("fuzz_process: WARNING: %s did not accept its initial "
          "message\n", fuzz_targets[i].name);
  }
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const FuzzTarget *t;
  g_autoptr (GBytes) msg = NULL;
  g_autoptr (GBytes) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MkyCsb) csb = NULL;
  guint sel;

  if (size < 1)
    return 0;
  sel = (data[0] & 0x7f) % FUZZ_N_TARGETS;
  t = &fuzz_targets[sel];
  /* an exact-size copy, so that valgrind and ASan see reads past the end */
  msg = g_bytes_new (data + 1, size - 1);
  fuzz_rng_reset (42);

  if (t->initiator) {
    FuzzInitiator *ini = fuzz_initiator_new (t->kind, NULL);
    csb = fuzz_initiator_handle (ini, msg, &error);
    fuzz_initiator_free (ini);
  } else {
    FuzzResponder *r = fuzz_responder_new (t->kind, t->established, NULL);
    csb = fuzz_responder_handle (r, msg, (data[0] & FUZZ_SDP_IDS) != 0,
        &reply, &error);
    fuzz_responder_free (r);
  }

  runs[sel]++;
  if (csb != NULL) {
    g_assert_null (error);
    accepted[sel]++;
    check_bundle (csb);
  } else {
    g_assert_nonnull (error);
  }
  if (reply != NULL)
    check_emitted (reply);
  return 0;
}

#ifndef MKY_LIBFUZZER
#include "fuzz-replay.h"

int
main (int argc, char **argv)
{
  gboolean ok;

  LLVMFuzzerInitialize (&argc, &argv);
  ok = fuzz_replay (argc, argv);
  /* how deep the corpus gets: a target that accepts nothing any more
   * points at a corpus older than the library (run gen-corpus again) */
  for (guint i = 0; i < FUZZ_N_TARGETS; i++)
    g_print ("%-30s %3u inputs, %3u accepted%s\n", fuzz_targets[i].name,
        runs[i], accepted[i], runs[i] && !accepted[i] ? "  (stale corpus?)"
        : "");
  fuzz_world_free ();
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
#endif
