/* libFuzzer target for the codec: any input is either refused with a
 * GError or parses into payloads that serialize back to exactly the input.
 * Tried as a message and as the two KEMAC plaintext chains (RFC 3830
 * §6.2: Key data... in PSK mode, ID || Key data... in PK mode).
 *
 * Built without -DMKY_LIBFUZZER it is a replay program: each argument, a
 * file or a directory of files, is run through the same checks once, so
 * the corpus can be replayed with gcc and valgrind. */
#include <stdint.h>
#include <stdlib.h>
#include <mky/mky.h>
#include "test-util.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_message (const guint8 *data, gsize size)
{
  g_autoptr (GError) error = NULL;

  test_parse_canonical (data, size, &error);
}

/* No GError here: the parser must cope with callers that pass none. */
static void
check_chain (const guint8 *data, gsize size, guint first)
{
  g_autoptr (GPtrArray) payloads =
      mky_payload_chain_parse (data, size, 0, first, NULL);
  g_autoptr (GByteArray) again = NULL;

  if (payloads == NULL)
    return;
  again = g_byte_array_new ();
  if (!mky_payload_chain_serialize (payloads->pdata, payloads->len, again, NULL))
    abort ();
  g_assert_cmpmem (again->data, again->len, data, size);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  check_message (data, size);
  check_chain (data, size, MKY_PT_KEY_DATA);
  check_chain (data, size, MKY_PT_ID);
  return 0;
}

#ifndef MKY_LIBFUZZER
#include "fuzz-replay.h"

int
main (int argc, char **argv)
{
  return fuzz_replay (argc, argv) ? EXIT_SUCCESS : EXIT_FAILURE;
}
#endif
