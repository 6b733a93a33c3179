/*
 * tables.c - templates/muscles.tsv, templates/nerves.tsv and the site's
 * local aliases, loaded once into an immutable conv_tables.
 *
 * Format (all three): UTF-8 text, tab-separated, lines starting with '#' and
 * empty lines ignored, the first other line is the header naming the
 * columns (any order; unknown columns are ignored). Lists inside a cell are
 * separated by '|'; in nerves.tsv a stimulation site may carry its own
 * aliases after '=' ("below fibular head=BFH"). Every row must name its
 * source.
 *
 *   muscles.tsv        muscle  aliases  region  roots  nerve  source
 *   nerves.tsv         nerve  aliases  test  recording_site
 *                      recording_site_aliases  stimulation_sites  source
 *   local-aliases.tsv  kind  alias  canonical  source
 *                      (kind: muscle, nerve, recording_site, stimulation_site)
 */
#include "conv_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TABLE_MAX_BYTES = 4 * 1024 * 1024, TABLE_MAX_COLS = 16 };

typedef struct alias {
    char key[CONV_NAME_MAX];
    conv_alias_kind kind;
    size_t target; /* muscle index, or index into canon[kind] */
    bool is_local;
} alias;

typedef struct canon_list {
    char (*names)[CONV_NAME_MAX];
    size_t n, cap;
} canon_list;

struct conv_tables {
    conv_muscle *muscles;
    size_t n_muscles, cap_muscles;
    conv_nerve *nerves;
    size_t n_nerves, cap_nerves;
    canon_list canon[CONV_ALIAS_KINDS]; /* [CONV_ALIAS_MUSCLE] unused */
    alias *aliases;
    size_t n_aliases, cap_aliases;
};

/* ---- reading a TSV file ------------------------------------------------------ */

typedef struct tsv {
    const char *path;
    char *data;
    size_t size, pos;
    int line;
    char *header[TABLE_MAX_COLS];
    size_t n_header;
    char *cells[TABLE_MAX_COLS];
    size_t n_cells;
} tsv;

/* Splits the next non-comment line into cells (in place). false at the end. */
static bool tsv_next(tsv *t)
{
    while (t->pos < t->size) {
        char *line = t->data + t->pos;
        char *nl = memchr(line, '\n', t->size - t->pos);
        size_t len = nl ? (size_t)(nl - line) : t->size - t->pos;
        t->pos += len + (nl ? 1 : 0);
        t->line++;
        line[len] = '\0';
        if (len > 0 && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        t->n_cells = 0;
        char *c = line;
        for (;;) {
            char *tab = strchr(c, '\t');
            if (tab)
                *tab = '\0';
            if (t->n_cells < TABLE_MAX_COLS)
                t->cells[t->n_cells++] = c;
            if (!tab)
                break;
            c = tab + 1;
        }
        return true;
    }
    return false;
}

static int tsv_col(const tsv *t, const char *name)
{
    for (size_t i = 0; i < t->n_header; i++)
        if (strcmp(t->header[i], name) == 0)
            return (int)i;
    return -1;
}

static const char *tsv_cell(const tsv *t, int col)
{
    return (col >= 0 && (size_t)col < t->n_cells) ? t->cells[col] : "";
}

static int tsv_open(tsv *t, const char *path, const char *const *required, edx_diags *d,
                    edx_severity sev)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    int rc = edx_read_small_file(path, TABLE_MAX_BYTES, &t->data, &t->size);
    if (rc != EDX_OK) {
        edx_diag_add(d, sev, "CONV-TABLE-UNREADABLE", EDX_LOC_NONE, "%s: %s", path,
                     edx_strerror(rc));
        return rc;
    }
    if (!tsv_next(t)) {
        edx_diag_add(d, sev, "CONV-TABLE-MALFORMED", EDX_LOC_NONE, "%s: no header row", path);
        return EDX_ERR_CONFIG;
    }
    for (size_t i = 0; i < t->n_cells; i++)
        t->header[i] = t->cells[i];
    t->n_header = t->n_cells;
    for (size_t i = 0; required[i]; i++) {
        if (tsv_col(t, required[i]) < 0) {
            edx_diag_add(d, sev, "CONV-TABLE-MALFORMED", EDX_LOC_NONE,
                         "%s: the header has no column '%s'", path, required[i]);
            return EDX_ERR_CONFIG;
        }
    }
    return EDX_OK;
}

/* ---- building the tables -------------------------------------------------------- */

static int canon_add(canon_list *c, const char *name, size_t *index)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->names[i], name) == 0) {
            *index = i;
            return EDX_OK;
        }
    }
    void *items = c->names;
    int rc = conv_grow(&items, &c->cap, c->n, sizeof c->names[0]);
    if (rc != EDX_OK)
        return rc;
    c->names = items;
    conv_fmt(c->names[c->n], sizeof c->names[0], "%s", name);
    *index = c->n++;
    return EDX_OK;
}

/* Adds an alias. A key already taken by another target is a conflict: an
 * error for our tables, a skipped row (warning) for local aliases. */
static int alias_add(conv_tables *t, conv_alias_kind kind, const char *text, size_t target,
                     bool is_local, const char **conflict)
{
    char key[CONV_NAME_MAX];
    *conflict = NULL;
    if (conv_key(text, strlen(text), key, sizeof key) == 0)
        return EDX_OK;
    for (size_t i = 0; i < t->n_aliases; i++) {
        alias *a = &t->aliases[i];
        if (a->kind == kind && strcmp(a->key, key) == 0) {
            if (a->target == target)
                return EDX_OK;
            *conflict = kind == CONV_ALIAS_MUSCLE ? t->muscles[a->target].name
                                                  : t->canon[kind].names[a->target];
            return EDX_ERR_CONFIG;
        }
    }
    void *items = t->aliases;
    int rc = conv_grow(&items, &t->cap_aliases, t->n_aliases, sizeof t->aliases[0]);
    if (rc != EDX_OK)
        return rc;
    t->aliases = items;
    alias *a = &t->aliases[t->n_aliases++];
    memcpy(a->key, key, sizeof key);
    a->kind = kind;
    a->target = target;
    a->is_local = is_local;
    return EDX_OK;
}

/* Adds every '|'-separated alias of a cell (aliases may contain spaces). */
static int alias_add_list(conv_tables *t, conv_alias_kind kind, const char *cell, size_t target,
                          const tsv *f, edx_diags *d)
{
    char buf[CONV_NAME_MAX];
    const char *p = cell;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        conv_clean_text(p, len, false, buf, sizeof buf);
        const char *conflict;
        int rc = alias_add(t, kind, buf, target, false, &conflict);
        if (rc == EDX_ERR_CONFIG) {
            edx_diag_add(d, EDX_SEV_ERROR, "CONV-TABLE-ALIAS-CONFLICT", EDX_LOC_NONE,
                         "%s line %d: alias '%s' already means '%s'", f->path, f->line, buf,
                         conflict);
            return rc;
        }
        if (rc != EDX_OK)
            return rc;
        if (!bar)
            break;
        p = bar + 1;
    }
    return EDX_OK;
}

static conv_region region_of(const char *s)
{
    static const conv_region all[] = {CONV_REGION_BULBAR, CONV_REGION_CERVICAL,
                                      CONV_REGION_THORACIC, CONV_REGION_LUMBOSACRAL};
    for (size_t i = 0; i < 4; i++)
        if (conv_eq_word(s, strlen(s), conv_region_name(all[i])))
            return all[i];
    return CONV_REGION_NONE;
}

static conv_test test_of(const char *s)
{
    static const conv_test all[] = {CONV_TEST_MOTOR, CONV_TEST_SENSORY, CONV_TEST_FWAVE};
    for (size_t i = 0; i < 3; i++)
        if (conv_eq_word(s, strlen(s), conv_test_name(all[i])))
            return all[i];
    return CONV_TEST_NONE;
}

#define ROW_ERROR(code, ...)                                                                \
    do {                                                                                    \
        edx_diag_add(d, EDX_SEV_ERROR, code, EDX_LOC_NONE, __VA_ARGS__);                    \
        rc = EDX_ERR_CONFIG;                                                                \
        goto out;                                                                           \
    } while (0)

static int load_muscles(conv_tables *t, const char *path, edx_diags *d)
{
    static const char *const req[] = {"muscle", "aliases", "region", "roots", "nerve", "source",
                                      NULL};
    tsv f;
    int rc = tsv_open(&f, path, req, d, EDX_SEV_ERROR);
    if (rc != EDX_OK)
        goto out;
    int c_name = tsv_col(&f, "muscle"), c_alias = tsv_col(&f, "aliases");
    int c_region = tsv_col(&f, "region"), c_roots = tsv_col(&f, "roots");
    int c_nerve = tsv_col(&f, "nerve"), c_src = tsv_col(&f, "source");
    while (tsv_next(&f)) {
        conv_muscle m;
        memset(&m, 0, sizeof m);
        conv_clean_text(tsv_cell(&f, c_name), strlen(tsv_cell(&f, c_name)), true, m.name,
                        sizeof m.name);
        m.region = region_of(tsv_cell(&f, c_region));
        conv_clean_text(tsv_cell(&f, c_roots), strlen(tsv_cell(&f, c_roots)), false, m.roots,
                        sizeof m.roots);
        conv_clean_text(tsv_cell(&f, c_nerve), strlen(tsv_cell(&f, c_nerve)), true, m.nerve,
                        sizeof m.nerve);
        conv_clean_text(tsv_cell(&f, c_src), strlen(tsv_cell(&f, c_src)), false, m.source,
                        sizeof m.source);
        if (!m.name[0])
            ROW_ERROR("CONV-TABLE-MALFORMED", "%s line %d: no muscle name", path, f.line);
        if (m.region == CONV_REGION_NONE)
            ROW_ERROR("CONV-TABLE-MALFORMED", "%s line %d: region '%s' is not one of bulbar, "
                      "cervical, thoracic, lumbosacral", path, f.line, tsv_cell(&f, c_region));
        if (!m.source[0])
            ROW_ERROR("CONV-TABLE-NO-SOURCE", "%s line %d: '%s' cites no source", path, f.line,
                      m.name);
        void *items = t->muscles;
        if ((rc = conv_grow(&items, &t->cap_muscles, t->n_muscles, sizeof m)) != EDX_OK)
            goto out;
        t->muscles = items;
        size_t idx = t->n_muscles;
        t->muscles[t->n_muscles++] = m;
        const char *conflict;
        rc = alias_add(t, CONV_ALIAS_MUSCLE, m.name, idx, false, &conflict);
        if (rc == EDX_ERR_CONFIG)
            ROW_ERROR("CONV-TABLE-ALIAS-CONFLICT", "%s line %d: '%s' already means '%s'", path,
                      f.line, m.name, conflict);
        if (rc != EDX_OK)
            goto out;
        if ((rc = alias_add_list(t, CONV_ALIAS_MUSCLE, tsv_cell(&f, c_alias), idx, &f, d)) !=
            EDX_OK)
            goto out;
    }
out:
    free(f.data);
    return rc;
}

/* Adds a canonical name of a kind and its '='-separated aliases. */
static int add_named(conv_tables *t, conv_alias_kind kind, const char *spec, size_t len,
                     bool lower, char *canon_out, const tsv *f, edx_diags *d)
{
    char first[CONV_NAME_MAX];
    const char *eq = memchr(spec, '=', len);
    size_t flen = eq ? (size_t)(eq - spec) : len;
    conv_clean_text(spec, flen, lower, first, sizeof first);
    if (!first[0])
        return EDX_OK;
    size_t idx;
    int rc = canon_add(&t->canon[kind], first, &idx);
    if (rc != EDX_OK)
        return rc;
    if (canon_out)
        conv_fmt(canon_out, CONV_NAME_MAX, "%s", first);
    const char *conflict;
    rc = alias_add(t, kind, first, idx, false, &conflict);
    if (rc == EDX_ERR_CONFIG) {
        edx_diag_add(d, EDX_SEV_ERROR, "CONV-TABLE-ALIAS-CONFLICT", EDX_LOC_NONE,
                     "%s line %d: '%s' already means '%s'", f->path, f->line, first, conflict);
        return rc;
    }
    if (rc != EDX_OK)
        return rc;
    while (eq) {
        const char *p = eq + 1;
        const char *end = spec + len;
        eq = memchr(p, '=', (size_t)(end - p));
        size_t alen = eq ? (size_t)(eq - p) : (size_t)(end - p);
        char a[CONV_NAME_MAX];
        conv_clean_text(p, alen, false, a, sizeof a);
        rc = alias_add(t, kind, a, idx, false, &conflict);
        if (rc == EDX_ERR_CONFIG) {
            edx_diag_add(d, EDX_SEV_ERROR, "CONV-TABLE-ALIAS-CONFLICT", EDX_LOC_NONE,
                         "%s line %d: alias '%s' already means '%s'", f->path, f->line, a,
                         conflict);
            return rc;
        }
        if (rc != EDX_OK)
            return rc;
    }
    return EDX_OK;
}

static int load_nerves(conv_tables *t, const char *path, edx_diags *d)
{
    static const char *const req[] = {"nerve", "aliases", "test", "recording_site",
                                      "recording_site_aliases", "stimulation_sites", "source",
                                      NULL};
    tsv f;
    int rc = tsv_open(&f, path, req, d, EDX_SEV_ERROR);
    if (rc != EDX_OK)
        goto out;
    int c_name = tsv_col(&f, "nerve"), c_alias = tsv_col(&f, "aliases");
    int c_test = tsv_col(&f, "test"), c_rec = tsv_col(&f, "recording_site");
    int c_rec_alias = tsv_col(&f, "recording_site_aliases");
    int c_stim = tsv_col(&f, "stimulation_sites"), c_src = tsv_col(&f, "source");
    while (tsv_next(&f)) {
        conv_nerve n;
        memset(&n, 0, sizeof n);
        const char *name = tsv_cell(&f, c_name);
        n.test = test_of(tsv_cell(&f, c_test));
        conv_clean_text(tsv_cell(&f, c_src), strlen(tsv_cell(&f, c_src)), false, n.source,
                        sizeof n.source);
        if (n.test == CONV_TEST_NONE)
            ROW_ERROR("CONV-TABLE-MALFORMED", "%s line %d: test '%s' is not one of motor, "
                      "sensory, fwave", path, f.line, tsv_cell(&f, c_test));
        if (!n.source[0])
            ROW_ERROR("CONV-TABLE-NO-SOURCE", "%s line %d: '%s' cites no source", path, f.line,
                      name);
        if ((rc = add_named(t, CONV_ALIAS_NERVE, name, strlen(name), true, n.name, &f, d)) !=
            EDX_OK)
            goto out;
        if (!n.name[0])
            ROW_ERROR("CONV-TABLE-MALFORMED", "%s line %d: no nerve name", path, f.line);
        size_t nidx;
        if ((rc = canon_add(&t->canon[CONV_ALIAS_NERVE], n.name, &nidx)) != EDX_OK)
            goto out;
        if ((rc = alias_add_list(t, CONV_ALIAS_NERVE, tsv_cell(&f, c_alias), nidx, &f, d)) !=
            EDX_OK)
            goto out;
        const char *rec = tsv_cell(&f, c_rec);
        if ((rc = add_named(t, CONV_ALIAS_RECORDING_SITE, rec, strlen(rec), false,
                            n.recording_site, &f, d)) != EDX_OK)
            goto out;
        if (!n.recording_site[0])
            ROW_ERROR("CONV-TABLE-MALFORMED", "%s line %d: no recording site", path, f.line);
        size_t ridx;
        if ((rc = canon_add(&t->canon[CONV_ALIAS_RECORDING_SITE], n.recording_site, &ridx)) !=
            EDX_OK)
            goto out;
        if ((rc = alias_add_list(t, CONV_ALIAS_RECORDING_SITE, tsv_cell(&f, c_rec_alias), ridx,
                                 &f, d)) != EDX_OK)
            goto out;
        const char *p = tsv_cell(&f, c_stim);
        while (*p) {
            const char *bar = strchr(p, '|');
            size_t len = bar ? (size_t)(bar - p) : strlen(p);
            if (n.n_stim_sites >= CONV_MAX_STIM_SITES)
                ROW_ERROR("CONV-TABLE-MALFORMED", "%s line %d: more than %d stimulation sites",
                          path, f.line, (int)CONV_MAX_STIM_SITES);
            if ((rc = add_named(t, CONV_ALIAS_STIM_SITE, p, len, true,
                                n.stim_sites[n.n_stim_sites], &f, d)) != EDX_OK)
                goto out;
            if (n.stim_sites[n.n_stim_sites][0])
                n.n_stim_sites++;
            if (!bar)
                break;
            p = bar + 1;
        }
        void *items = t->nerves;
        if ((rc = conv_grow(&items, &t->cap_nerves, t->n_nerves, sizeof n)) != EDX_OK)
            goto out;
        t->nerves = items;
        t->nerves[t->n_nerves++] = n;
    }
out:
    free(f.data);
    return rc;
}

int conv_tables_add_aliases(conv_tables *t, const char *path, edx_diags *d)
{
    static const char *const req[] = {"kind", "alias", "canonical", "source", NULL};
    if (!t || !path)
        return EDX_ERR_INVALID;
    tsv f;
    int rc = tsv_open(&f, path, req, d, EDX_SEV_WARNING);
    if (rc != EDX_OK) {
        free(f.data);
        return rc;
    }
    int c_kind = tsv_col(&f, "kind"), c_alias = tsv_col(&f, "alias");
    int c_canon = tsv_col(&f, "canonical"), c_src = tsv_col(&f, "source");
    static const char *const kinds[CONV_ALIAS_KINDS] = {"muscle", "nerve", "recording_site",
                                                        "stimulation_site"};
    while (tsv_next(&f)) {
        const char *kind_s = tsv_cell(&f, c_kind), *al = tsv_cell(&f, c_alias);
        const char *canon = tsv_cell(&f, c_canon), *src = tsv_cell(&f, c_src);
        int kind = -1;
        for (int k = 0; k < CONV_ALIAS_KINDS; k++)
            if (strcmp(kind_s, kinds[k]) == 0)
                kind = k;
        if (kind < 0) {
            edx_diag_add(d, EDX_SEV_WARNING, "CONV-ALIAS-MALFORMED", EDX_LOC_NONE,
                         "%s line %d: kind '%s' is not muscle, nerve, recording_site or "
                         "stimulation_site; row skipped", path, f.line, kind_s);
            continue;
        }
        if (!src[0] || !al[0]) {
            edx_diag_add(d, EDX_SEV_WARNING, "CONV-ALIAS-MALFORMED", EDX_LOC_NONE,
                         "%s line %d: an alias needs a text and a source; row skipped", path,
                         f.line);
            continue;
        }
        /* the target must be a name our tables already know (by any alias) */
        size_t target = SIZE_MAX;
        char key[CONV_NAME_MAX];
        conv_key(canon, strlen(canon), key, sizeof key);
        for (size_t i = 0; i < t->n_aliases; i++)
            if ((int)t->aliases[i].kind == kind && strcmp(t->aliases[i].key, key) == 0)
                target = t->aliases[i].target;
        if (target == SIZE_MAX) {
            edx_diag_add(d, EDX_SEV_WARNING, "CONV-ALIAS-TARGET-UNKNOWN", EDX_LOC_NONE,
                         "%s line %d: '%s' is no %s of the tables; alias '%s' skipped", path,
                         f.line, canon, kinds[kind], al);
            continue;
        }
        const char *conflict;
        char clean[CONV_NAME_MAX];
        conv_clean_text(al, strlen(al), false, clean, sizeof clean);
        rc = alias_add(t, (conv_alias_kind)kind, clean, target, true, &conflict);
        if (rc == EDX_ERR_CONFIG) {
            edx_diag_add(d, EDX_SEV_WARNING, "CONV-ALIAS-CONFLICT", EDX_LOC_NONE,
                         "%s line %d: '%s' already means '%s'; row skipped", path, f.line, clean,
                         conflict);
            rc = EDX_OK;
            continue;
        }
        if (rc != EDX_OK)
            break;
    }
    free(f.data);
    return rc;
}

int conv_tables_load(const char *template_dir, edx_diags *d, conv_tables **out)
{
    if (!out)
        return EDX_ERR_INVALID;
    *out = NULL;
    char dir[4096], path[4200];
    if (template_dir) {
        conv_fmt(dir, sizeof dir, "%s", template_dir);
    } else if (edx_find_template_dir(dir, sizeof dir) != EDX_OK) {
        edx_diag_add(d, EDX_SEV_ERROR, "CONV-TABLE-UNREADABLE", EDX_LOC_NONE,
                     "no template folder found (set EDX_TEMPLATE_DIR)");
        return EDX_ERR_CONFIG;
    }
    conv_tables *t = calloc(1, sizeof *t);
    if (!t)
        return EDX_ERR_NOMEM;
    conv_fmt(path, sizeof path, "%s/%s", dir, CONV_MUSCLES_FILE);
    int rc = load_muscles(t, path, d);
    if (rc == EDX_OK) {
        conv_fmt(path, sizeof path, "%s/%s", dir, CONV_NERVES_FILE);
        rc = load_nerves(t, path, d);
    }
    if (rc == EDX_OK) {
        const char *env = getenv(CONV_LOCAL_ALIASES_ENV);
        if (env && env[0]) {
            rc = conv_tables_add_aliases(t, env, d);
        } else {
            conv_fmt(path, sizeof path, "%s/%s", dir, CONV_LOCAL_ALIASES_FILE);
            FILE *fp = fopen(path, "rb");
            if (fp) {
                fclose(fp);
                rc = conv_tables_add_aliases(t, path, d);
            }
        }
        /* a broken local file is a warning, never a reason to stop */
        if (rc != EDX_OK && rc != EDX_ERR_NOMEM)
            rc = EDX_OK;
    }
    if (rc != EDX_OK) {
        if (rc != EDX_ERR_NOMEM && rc != EDX_ERR_CONFIG)
            rc = EDX_ERR_CONFIG;
        conv_tables_free(t);
        return rc;
    }
    *out = t;
    return EDX_OK;
}

void conv_tables_free(conv_tables *t)
{
    if (!t)
        return;
    free(t->muscles);
    free(t->nerves);
    for (int k = 0; k < CONV_ALIAS_KINDS; k++)
        free(t->canon[k].names);
    free(t->aliases);
    free(t);
}

size_t conv_muscle_count(const conv_tables *t) { return t ? t->n_muscles : 0; }
const conv_muscle *conv_muscle_at(const conv_tables *t, size_t i)
{
    return (t && i < t->n_muscles) ? &t->muscles[i] : NULL;
}
size_t conv_nerve_count(const conv_tables *t) { return t ? t->n_nerves : 0; }
const conv_nerve *conv_nerve_at(const conv_tables *t, size_t i)
{
    return (t && i < t->n_nerves) ? &t->nerves[i] : NULL;
}

/* ---- lookups ------------------------------------------------------------------------ */

static const alias *find_alias(const conv_tables *t, conv_alias_kind kind, const char *text,
                               size_t len)
{
    char key[CONV_NAME_MAX];
    if (!t || !text || conv_key(text, len, key, sizeof key) == 0)
        return NULL;
    for (size_t i = 0; i < t->n_aliases; i++)
        if (t->aliases[i].kind == kind && strcmp(t->aliases[i].key, key) == 0)
            return &t->aliases[i];
    return NULL;
}

conv_match conv_find_muscle(const conv_tables *t, const char *text, size_t len,
                            bool allow_prefix, const conv_muscle **out)
{
    *out = NULL;
    const alias *a = find_alias(t, CONV_ALIAS_MUSCLE, text, len);
    if (a) {
        *out = &t->muscles[a->target];
        return CONV_MATCH_EXACT;
    }
    if (!allow_prefix || !t)
        return CONV_MATCH_NONE;
    char key[CONV_NAME_MAX];
    size_t klen = conv_key(text, len, key, sizeof key);
    if (klen < 3) /* too short to stand for one muscle */
        return CONV_MATCH_NONE;
    size_t found = SIZE_MAX;
    for (size_t i = 0; i < t->n_aliases; i++) {
        const alias *b = &t->aliases[i];
        if (b->kind != CONV_ALIAS_MUSCLE || strncmp(b->key, key, klen) != 0)
            continue;
        if (found != SIZE_MAX && found != b->target) {
            *out = &t->muscles[found];
            return CONV_MATCH_AMBIGUOUS;
        }
        found = b->target;
    }
    if (found == SIZE_MAX)
        return CONV_MATCH_NONE;
    *out = &t->muscles[found];
    return CONV_MATCH_PREFIX;
}

static const char *find_canon(const conv_tables *t, conv_alias_kind kind, const char *text,
                              size_t len)
{
    const alias *a = find_alias(t, kind, text, len);
    return a ? t->canon[kind].names[a->target] : NULL;
}

const char *conv_find_nerve_name(const conv_tables *t, const char *text, size_t len)
{
    const char *r = find_canon(t, CONV_ALIAS_NERVE, text, len);
    if (r || !text)
        return r;
    /* "Median Nerve", "n. medianus": drop a trailing "nerve" / leading "n" */
    conv_word w[8];
    size_t n = conv_split_words(text, len, w, 8, NULL);
    if (n >= 2 && (conv_eq_word(w[n - 1].s, w[n - 1].len, "nerve") ||
                   conv_eq_word(w[n - 1].s, w[n - 1].len, "nerve.") ||
                   conv_eq_word(w[n - 1].s, w[n - 1].len, "n.") ||
                   conv_eq_word(w[n - 1].s, w[n - 1].len, "n")))
        return find_canon(t, CONV_ALIAS_NERVE, text, (size_t)(w[n - 2].s + w[n - 2].len - text));
    if (n >= 2 && (conv_eq_word(w[0].s, w[0].len, "n.") || conv_eq_word(w[0].s, w[0].len, "n")))
        return find_canon(t, CONV_ALIAS_NERVE, w[1].s, (size_t)(text + len - w[1].s));
    return NULL;
}

const char *conv_find_recording_site(const conv_tables *t, const char *text, size_t len)
{
    return find_canon(t, CONV_ALIAS_RECORDING_SITE, text, len);
}

const char *conv_find_stim_site(const conv_tables *t, const char *text, size_t len)
{
    return find_canon(t, CONV_ALIAS_STIM_SITE, text, len);
}

const conv_nerve *conv_find_nerve_row(const conv_tables *t, const char *nerve, conv_test test,
                                      const char *recording_site)
{
    if (!t || !nerve)
        return NULL;
    for (size_t i = 0; i < t->n_nerves; i++) {
        const conv_nerve *n = &t->nerves[i];
        if (strcmp(n->name, nerve) != 0 || n->test != test)
            continue;
        if (!recording_site || strcmp(n->recording_site, recording_site) == 0)
            return n;
    }
    return NULL;
}
