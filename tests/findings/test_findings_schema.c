/*
 * test_findings_schema.c - every bundled sample's findings validate against
 * templates/findings.schema.json, identical inputs give byte-identical
 * findings, and the validator itself rejects what breaks the schema.
 *
 * The validator below implements the part of JSON Schema 2020-12 the schema
 * uses: type (one or a list), enum, required, properties, items and local
 * $ref ("#/$defs/name").
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "edx/findings.h"

static bool type_ok(const char *t, const json_t *v)
{
    if (!strcmp(t, "object"))
        return json_is_object(v);
    if (!strcmp(t, "array"))
        return json_is_array(v);
    if (!strcmp(t, "string"))
        return json_is_string(v);
    if (!strcmp(t, "integer"))
        return json_is_integer(v);
    if (!strcmp(t, "number"))
        return json_is_number(v);
    if (!strcmp(t, "boolean"))
        return json_is_boolean(v);
    if (!strcmp(t, "null"))
        return json_is_null(v);
    return false;
}

static bool validate(const json_t *root, const json_t *s, const json_t *v, const char *where,
                     char *err, size_t size);

static bool check_type(const json_t *s, const json_t *v, const char *where, char *err,
                       size_t size)
{
    const json_t *t = json_object_get(s, "type");
    if (t == NULL)
        return true;
    bool ok = false;
    if (json_is_string(t))
        ok = type_ok(json_string_value(t), v);
    size_t i;
    json_t *x;
    json_array_foreach(t, i, x) ok |= type_ok(json_string_value(x), v);
    if (!ok)
        snprintf(err, size, "%s: wrong type", where);
    return ok;
}

static bool check_enum(const json_t *s, const json_t *v, const char *where, char *err,
                       size_t size)
{
    const json_t *e = json_object_get(s, "enum");
    if (e == NULL)
        return true;
    size_t i;
    json_t *x;
    json_array_foreach(e, i, x) if (json_equal(x, v)) return true;
    snprintf(err, size, "%s: value not in enum", where);
    return false;
}

static bool check_object(const json_t *root, const json_t *s, const json_t *v,
                         const char *where, char *err, size_t size)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(s, "required"), i, x) {
        if (json_object_get(v, json_string_value(x)) == NULL) {
            snprintf(err, size, "%s: missing \"%s\"", where, json_string_value(x));
            return false;
        }
    }
    const char *k;
    json_object_foreach((json_t *)json_object_get(s, "properties"), k, x) {
        const json_t *child = json_object_get(v, k);
        char w[512];
        snprintf(w, sizeof w, "%s.%s", where, k);
        if (child && !validate(root, x, child, w, err, size))
            return false;
    }
    return true;
}

static bool validate(const json_t *root, const json_t *s, const json_t *v, const char *where,
                     char *err, size_t size)
{
    const char *ref = json_string_value(json_object_get(s, "$ref"));
    if (ref && !strncmp(ref, "#/$defs/", 8))
        s = json_object_get(json_object_get(root, "$defs"), ref + 8);
    if (!check_type(s, v, where, err, size) || !check_enum(s, v, where, err, size))
        return false;
    if (json_is_object(v) && !check_object(root, s, v, where, err, size))
        return false;
    const json_t *items = json_object_get(s, "items");
    size_t i;
    json_t *x;
    if (items && json_is_array(v))
        json_array_foreach(v, i, x) {
            char w[512];
            snprintf(w, sizeof w, "%s[%zu]", where, i);
            if (!validate(root, items, x, w, err, size))
                return false;
        }
    return true;
}

static json_t *load_schema(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/findings.schema.json", getenv("EDX_TEMPLATE_DIR"));
    json_t *s = json_load_file(path, 0, NULL);
    assert_non_null(s);
    return s;
}

/* The recordings of one sample folder. */
static size_t list_files(const char *dir, char **out, size_t max)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < max) {
        if (!strstr(e->d_name, ".edf"))
            continue;
        out[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        sprintf(out[n++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    return n;
}

static char *findings_of(const fnd_context *ctx, const char *dir, size_t *size, json_t **obj)
{
    char *files[64];
    size_t n = list_files(dir, files, 64);
    edx_diags d;
    edx_diags_init(&d);
    study_set *set = NULL;
    assert_int_equal(study_group_paths(fnd_context_tables(ctx), (const char *const *)files, n,
                                       &d, &set), EDX_OK);
    assert_int_equal(set->n_studies, 1);
    fnd_result r;
    assert_int_equal(fnd_analyze_study(ctx, &set->studies[0], &r, &d), EDX_OK);
    char *text = fnd_dump(r.findings, size);
    *obj = json_incref(r.findings);
    fnd_result_free(&r);
    study_set_free(set);
    edx_diags_free(&d);
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    return text;
}

/* Each muscle's list of fasciculating units adds up to its fasciculation
 * discharges, and holds at least the units counted at one site. */
static void check_fasciculating_units(const json_t *findings, const char *sample)
{
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(findings, "needle_emg"), i, m)
    {
        const json_t *f = json_object_get(json_object_get(m, "spontaneous"), "fasciculation");
        const json_t *list = json_object_get(f, "unit_list"), *u;
        json_int_t sum = 0;
        size_t k;
        json_array_foreach(list, k, u)
        {
            json_int_t n = json_integer_value(json_object_get(u, "discharges"));
            if (n < 1)
                fail_msg("%s muscle %zu: a listed unit without fasciculations", sample, i);
            sum += n;
        }
        if (sum != json_integer_value(json_object_get(f, "discharges")))
            fail_msg("%s muscle %zu: units list %lld discharges, muscle %lld", sample, i,
                     (long long)sum,
                     (long long)json_integer_value(json_object_get(f, "discharges")));
        if ((json_int_t)json_array_size(list) < json_integer_value(json_object_get(f, "units")))
            fail_msg("%s muscle %zu: fewer units listed than counted", sample, i);
    }
}

static void test_samples_validate_and_repeat(void **state)
{
    (void)state;
    static const char *const samples[] = {"normal", "benign_fasciculation", "als",
                                          "axonal_polyneuropathy", "carpal_tunnel"};
    json_t *schema = load_schema();
    edx_diags d;
    edx_diags_init(&d);
    fnd_context *ctx = NULL;
    assert_int_equal(fnd_context_open(NULL, &d, &ctx), EDX_OK);
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/samples/%s", EDX_SOURCE_DIR, samples[i]);
        size_t n1 = 0, n2 = 0;
        json_t *f1 = NULL, *f2 = NULL;
        char *a = findings_of(ctx, dir, &n1, &f1), *b = findings_of(ctx, dir, &n2, &f2);
        assert_int_equal(n1, n2);
        assert_memory_equal(a, b, n1); /* byte-identical for identical inputs */
        char err[600] = "";
        if (!validate(schema, schema, f1, "$", err, sizeof err))
            fail_msg("%s: %s", samples[i], err);
        check_fasciculating_units(f1, samples[i]);
        free(a), free(b), json_decref(f1), json_decref(f2);
    }
    fnd_context_free(ctx);
    edx_diags_free(&d);
    json_decref(schema);
}

/* The validator can fail: each line breaks one promise of the schema. */
static void test_validator_rejects(void **state)
{
    (void)state;
    json_t *schema = load_schema();
    static const char *const bad[] = {
        "{}",
        "{\"schema\": \"edxreport-findings/2\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *v = json_loads(bad[i], 0, NULL);
        char err[600];
        assert_false(validate(schema, schema, v, "$", err, sizeof err));
        json_decref(v);
    }
    /* a valid skeleton, then one wrong value at a time */
    const char *ok = "{\"schema\":\"edxreport-findings/1\",\"software\":{\"name\":\"edxreport\","
                     "\"version\":\"0\"},\"study\":{\"id\":\"x\",\"patient\":{\"code\":\"\","
                     "\"name\":\"\",\"sex\":null,\"birthdate\":null,\"age_years\":null},\"start\":"
                     "\"\",\"files\":[]},\"conditions\":{\"temperature_c\":null,\"height_cm\":null},"
                     "\"nerve_conduction\":[],\"needle_emg\":[],\"interpretation\":{\"pattern\":"
                     "\"normal\",\"subtype\":null,\"regions_with_lmn_signs\":[],\"evidence\":[],"
                     "\"statement\":\"\"}}";
    json_t *v = json_loads(ok, 0, NULL);
    char err[600];
    assert_true(validate(schema, schema, v, "$", err, sizeof err));
    json_object_set_new(json_object_get(v, "interpretation"), "pattern", json_string("ALS"));
    assert_false(validate(schema, schema, v, "$", err, sizeof err));
    json_object_set_new(json_object_get(v, "interpretation"), "pattern", json_string("normal"));
    json_object_set_new(json_object_get(v, "conditions"), "temperature_c", json_string("33"));
    assert_false(validate(schema, schema, v, "$", err, sizeof err));
    json_decref(v);
    json_decref(schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validator_rejects),
        cmocka_unit_test(test_samples_validate_and_repeat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
