/* manifest.h: lists of labelled images, as TSV files.
 *
 * A manifest is a text file with a header line and one image per line:
 *
 *     path<TAB>label<TAB>class
 *     accordion/image_0001.jpg<TAB>0<TAB>accordion
 *
 * `path` is absolute or relative to the manifest's root: the "root" recorded
 * in the meta.json beside it (written by `bovw dataset scan`), or else the
 * folder the manifest is in. `label` is the class index, the line number of
 * the class in classes.txt, counting from 0. See docs/formats.md. */
#ifndef BOVW_MANIFEST_H
#define BOVW_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "bovw/error.h"

typedef struct bovw_manifest {
  size_t count;         /* images */
  char **paths;         /* count paths, as written in the file */
  int32_t *labels;      /* count class indices */
  size_t num_classes;
  char **class_names;   /* num_classes names; index = label */
  char *root;           /* relative paths resolve against this; may be NULL */
  char sha256[65];      /* of the file it was read from ("" when built) */
  size_t capacity_;
} bovw_manifest;

/* An empty manifest (NULL when out of memory); free with bovw_manifest_free. */
bovw_manifest *bovw_manifest_new(void);
void bovw_manifest_free(bovw_manifest *self);

/* Appends one image (the path is copied). */
int bovw_manifest_add(bovw_manifest *self, const char *path, int32_t label,
                      bovw_error *err);
/* Replaces the class names (copied). */
int bovw_manifest_set_classes(bovw_manifest *self, char *const *names, size_t n,
                              bovw_error *err);
/* Replaces the root (copied; NULL clears it). */
int bovw_manifest_set_root(bovw_manifest *self, const char *root,
                           bovw_error *err);

/* Reads a manifest. Class names come from classes.txt beside it when there
 * is one, else from the class column. The root comes from the meta.json of
 * a dataset artifact beside it, else it is the manifest's folder. Errors name
 * the file and the line. */
int bovw_manifest_read(const char *path, bovw_manifest **out, bovw_error *err);

/* Writes rows[0..nrows) of self (all rows when rows is NULL) atomically. */
int bovw_manifest_write(const char *path, const bovw_manifest *self,
                        const size_t *rows, size_t nrows, bovw_error *err);

/* Writes the class names, one a line, atomically. */
int bovw_classes_write(const char *path, const bovw_manifest *self,
                       bovw_error *err);

/* The file to open for image i: its path joined to the root. A new string
 * (free it); NULL when out of memory. */
/* Refuses data whose classes a classifier does not know by the same index:
 * data_names (n, the data's classes in label order) must be the first n of
 * known (m, the classifier's). The message names the data, the first
 * class that differs and both names ("DATA calls class 0 'cup'; the model
 * was trained with 'Leopards' there"); `who` names the classifier. */
int bovw_classes_check(const char *data_name, char *const *data_names, size_t n,
                       const char *who, char *const *known, size_t m, bovw_error *err);

char *bovw_manifest_resolve(const bovw_manifest *self, size_t i);

#endif
