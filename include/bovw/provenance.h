/* provenance.h: what an artifact was made from, recorded in its meta.json
 * (or report.json), and whether that still holds.
 *
 * A bovw process runs one stage. While it works, the readers note every
 * input they open: an artifact's meta.json and a manifest by their SHA-256,
 * the images a manifest lists by a digest of their paths, sizes and
 * modification times, an image folder the same way. Every meta.json and
 * report.json written afterwards gets a "provenance" object:
 *   {"command": [...], "cwd": "/abs", "inputs": [{"kind", "path", "digest"}...]}
 * with the command line (program name and -q left out) and the inputs in
 * the order first read. The identities are digests of small files, never
 * of a large array store: a rebuilt parent has a new meta.json (its time
 * and statistics), so its children see it as changed.
 *
 * An artifact is up to date when every input still has its recorded digest
 * and every input that is itself an artifact is up to date: make's rule,
 * with digests instead of times. A script asks it of a stage with the
 * command it would run (bovw status --stage DIR -- COMMAND...).
 *
 * The record is per process (a library user who runs several stages in one
 * process calls bovw_provenance_reset between them); it is guarded by a
 * lock, so readers on several threads may note inputs. */
#ifndef BOVW_PROVENANCE_H
#define BOVW_PROVENANCE_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "bovw/error.h"
#include "bovw/manifest.h"

/* The command being run: argv[0..argc-1] from the subcommand's name on.
 * Copied; -q and --quiet are left out (they change no result). */
int bovw_provenance_set_command(int argc, char *const *argv);

/* Forgets the command and the inputs noted so far. */
void bovw_provenance_reset(void);

/* Notes a file read in full, with the SHA-256 of its content (hex), e.g. a
 * meta.json. A path noted twice is kept once. */
int bovw_provenance_note_file(const char *path, const char *sha256_hex);

/* Notes a manifest (its SHA-256 from reading it) and the images it lists. */
int bovw_provenance_note_manifest(const char *path, const bovw_manifest *m);

/* An image folder's identity, as `bovw dataset scan` sees it: its
 * non-hidden entries and those of its folders, one level down (what a scan
 * reads: the class folders and their files), each with its size and
 * modification time; the order does not matter (each entry's line is
 * hashed alone and the hashes summed). The scan adds the entries it stats
 * anyway, so identifying the folder costs no second walk. */
typedef struct bovw_listing {
  uint64_t sum[2];
  size_t count;
} bovw_listing;

/* Adds one entry: rel, its path relative to the folder; st, its stat (a
 * folder counts by name alone), NULL when it could not be read. */
void bovw_listing_add(bovw_listing *self, const char *rel, const struct stat *st);

/* Notes the folder with the digest of its listing. */
int bovw_provenance_note_listing(const char *path, const bovw_listing *l);

/* Notes an image folder by walking it (the listing above, made here). */
int bovw_provenance_note_folder(const char *path);

/* The provenance object of what this process did so far, leaving out the
 * inputs inside `own_dir` (an artifact that reads its own older files is
 * not its own input). NULL when out of memory. */
cJSON *bovw_provenance_json(const char *own_dir);

/* ---- checking -------------------------------------------------------------- */

/* Whether the artifact in dir (its meta.json, or report.json for a report)
 * is up to date: 0 when it is, 1 when not, with the reason in why ("input
 * /x/train.tsv changed", "upstream /x/codebook is out of date: ..."); < 0 on
 * error (err set). With command (argc > 0), the recorded command must also
 * be this one, in the same working folder. */
int bovw_provenance_check(const char *dir, int argc, char *const *argv, char *why,
                          size_t why_size, bovw_error *err);

/* ---- cost from pixels ------------------------------------------------------ */

/* The folders of dir's artifact and of every artifact upstream of it (its
 * recorded inputs that are artifacts, and theirs), each once, dir first:
 * appended to *dirs (a growing array of new strings, *n of them). Folders
 * whose meta.json records no provenance end the walk there. */
int bovw_provenance_upstream(const char *dir, char ***dirs, size_t *n, bovw_error *err);

/* The seconds an artifact's own stage took, from its meta.json or
 * report.json: features, encodings and codebooks record "seconds" (a
 * number, or an object with "total"), models "train_seconds" (and
 * "cv_seconds"), nets "total_seconds"; 0 for a dataset (a listing, not
 * work on pixels) and for what records none. */
double bovw_artifact_seconds(const cJSON *meta);

/* What a classifier costs from pixels, for a report's run object under
 * "from_pixels": {"train_seconds", "inference_seconds", "stages": [{"part":
 * "training" | "inference", "kind", "path", "seconds"}...]}. Training is
 * every artifact upstream of the models (nt folders: for BoVW the training
 * features, the codebook, the training encodings and the model);
 * inference every artifact upstream of the test data (ne folders) that
 * training did not make (the test features and encodings), plus
 * score_seconds, the scoring itself. NULL with err set on failure. */
cJSON *bovw_provenance_cost(char *const *model_dirs, size_t nt, char *const *test_dirs,
                            size_t ne, double score_seconds, bovw_error *err);

/* The file of an artifact folder that carries its provenance: meta.json,
 * report.json or compare.json, the first that exists; a new string, or
 * NULL when there is none (or out of memory). */
char *bovw_provenance_file(const char *dir);

#endif
