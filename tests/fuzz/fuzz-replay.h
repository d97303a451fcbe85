/* The replay side of the fuzz targets: without libFuzzer, run
 * LLVMFuzzerTestOneInput on every file named or found in a directory named
 * on the command line (the corpus), so the suite and valgrind can run it. */
#pragma once

#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
fuzz_replay_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree guint8 *exact = NULL;
  gsize len;

  if (!g_file_get_contents (path, &contents, &len, &error)) {
    g_printerr ("%s\n", error->message);
    return FALSE;
  }
  /* an exact-size copy, so that valgrind sees any read past the end */
  exact = g_memdup2 (contents, len);
  LLVMFuzzerTestOneInput (exact, len);
  return TRUE;
}

/* Runs every input; FALSE if one could not be read or there was none (an
 * empty corpus would make the test pass vacuously). */
static gboolean
fuzz_replay (int argc, char **argv)
{
  guint n = 0;
  gboolean ok = TRUE;

  for (int i = 1; i < argc; i++) {
    g_autoptr (GDir) dir = NULL;
    const char *name;

    if (!g_file_test (argv[i], G_FILE_TEST_IS_DIR)) {
      ok &= fuzz_replay_file (argv[i]);
      n++;
      continue;
    }
    dir = g_dir_open (argv[i], 0, NULL);
    if (dir == NULL) {
      ok = FALSE;
      continue;
    }
    while ((name = g_dir_read_name (dir))) {
      g_autofree char *path = g_build_filename (argv[i], name, NULL);
      ok &= fuzz_replay_file (path);
      n++;
    }
  }
  g_print ("%u inputs run\n", n);
  return ok && n > 0;
}
