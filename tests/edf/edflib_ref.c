/*
 * edflib_ref.c - see edflib_ref.h. Includes edflib.h, never edx/edf.h.
 */
#include "edflib_ref.h"

#include <edflib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ref_sample_value(const ref_sigspec *s, uint64_t *rng, int rec, int k)
{
    if (rec == 0 && k == 0)
        return s->dmin;
    if (rec == 0 && k == 1)
        return s->dmax;
    *rng ^= *rng << 13;
    *rng ^= *rng >> 7;
    *rng ^= *rng << 17;
    uint64_t span = (uint64_t)((int64_t)s->dmax - s->dmin) + 1;
    return (int)((int64_t)s->dmin + (int64_t)(*rng % span));
}

int ref_write(const ref_wcfg *c, const char *path)
{
    int h = edfopen_file_writeonly(path, c->bdf ? EDFLIB_FILETYPE_BDFPLUS : EDFLIB_FILETYPE_EDFPLUS,
                                   c->n_sigs);
    if (h < 0)
        return -1;
    int rc = 0;
    for (int s = 0; s < c->n_sigs; s++) {
        const ref_sigspec *g = &c->sigs[s];
        rc |= edf_set_samplefrequency(h, s, g->spr);
        rc |= edf_set_physical_maximum(h, s, g->pmax);
        rc |= edf_set_physical_minimum(h, s, g->pmin);
        rc |= edf_set_digital_maximum(h, s, g->dmax);
        rc |= edf_set_digital_minimum(h, s, g->dmin);
        rc |= edf_set_label(h, s, g->label);
        rc |= edf_set_physical_dimension(h, s, g->dim);
    }
    rc |= edf_set_datarecord_duration(h, c->duration_10us);
    rc |= edf_set_startdatetime(h, 2002, 3, 2, 10, 20, 30);
    rc |= edf_set_subsecond_starttime(h, c->subsecond_100ns);
    rc |= edf_set_patientname(h, "Haagse Harry");
    rc |= edf_set_patientcode(h, "MCH-0234567");
    rc |= edf_set_gender(h, 0);
    rc |= edf_set_birthdate(h, 1951, 5, 2);
    rc |= edf_set_admincode(h, "EMR7");
    rc |= edf_set_technician(h, "Tech");
    rc |= edf_set_equipment(h, "Equipment");
    rc |= edf_set_number_of_annotation_signals(h, c->n_annot_signals);
    uint64_t rng = REF_RNG_SEED;
    int *buf = malloc(65536 * sizeof *buf);
    if (buf == NULL)
        rc = -1;
    for (int r = 0; rc == 0 && r < c->n_records; r++) {
        for (int s = 0; rc == 0 && s < c->n_sigs; s++) {
            if (c->sigs[s].spr > 65536) {
                rc = -1;
                break;
            }
            for (int k = 0; k < c->sigs[s].spr; k++)
                buf[k] = ref_sample_value(&c->sigs[s], &rng, r, k);
            if (edfwrite_digital_samples(h, buf) != 0)
                rc = -1;
        }
    }
    free(buf);
    for (int i = 0; rc == 0 && i < c->n_ann; i++)
        rc |= edfwrite_annotation_utf8(h, c->ann[i].onset_100us, c->ann[i].dur_100us,
                                       c->ann[i].text);
    if (edfclose_file(h) != 0)
        rc = -1;
    return rc == 0 ? 0 : -1;
}

int ref_open(const char *path, ref_info *info)
{
    memset(info, 0, sizeof *info);
    struct edf_hdr_struct *hdr = calloc(1, sizeof *hdr); /* ~150 KB: not on the stack */
    if (hdr == NULL) {
        info->filetype = EDFLIB_MALLOC_ERROR;
        return -1;
    }
    if (edfopen_file_readonly(path, hdr, EDFLIB_READ_ALL_ANNOTATIONS) != 0) {
        info->filetype = hdr->filetype;
        free(hdr);
        return -1;
    }
    info->handle = hdr->handle;
    info->filetype = hdr->filetype;
    info->n_signals = hdr->edfsignals;
    info->record_duration_100ns = hdr->datarecord_duration;
    info->n_records = hdr->datarecords_in_file;
    info->n_annotations = hdr->annotations_in_file;
    info->subsecond_100ns = hdr->starttime_subsecond;
    info->year = hdr->startdate_year;
    info->month = hdr->startdate_month;
    info->day = hdr->startdate_day;
    info->hour = hdr->starttime_hour;
    info->minute = hdr->starttime_minute;
    info->second = hdr->starttime_second;
    snprintf(info->patientcode, sizeof info->patientcode, "%s", hdr->patientcode);
    snprintf(info->patient_name, sizeof info->patient_name, "%s", hdr->patient_name);
    snprintf(info->gender, sizeof info->gender, "%s", hdr->gender);
    info->birth_year = hdr->birthdate_year;
    info->birth_month = hdr->birthdate_month;
    info->birth_day = hdr->birthdate_day;
    for (int i = 0; i < hdr->edfsignals && i < REF_MAX_SIGNALS; i++) {
        const struct edf_param_struct *p = &hdr->signalparam[i];
        ref_signal *s = &info->sig[i];
        snprintf(s->label, sizeof s->label, "%s", p->label);
        snprintf(s->physdim, sizeof s->physdim, "%s", p->physdimension);
        s->spr = p->smp_in_datarecord;
        s->smp_in_file = p->smp_in_file;
        s->pmin = p->phys_min;
        s->pmax = p->phys_max;
        s->dmin = p->dig_min;
        s->dmax = p->dig_max;
    }
    free(hdr);
    return 0;
}

int ref_close(const ref_info *info)
{
    return edfclose_file(info->handle);
}

int ref_read_digital(const ref_info *info, int sig, int n, int *buf)
{
    edfrewind(info->handle, sig);
    return edfread_digital_samples(info->handle, sig, n, buf);
}

int ref_read_physical(const ref_info *info, int sig, int n, double *buf)
{
    edfrewind(info->handle, sig);
    return edfread_physical_samples(info->handle, sig, n, buf);
}

int ref_get_annotation(const ref_info *info, int i, long long *onset, long long *duration,
                       char *text, size_t size)
{
    struct edf_annotation_struct a;
    memset(&a, 0, sizeof a);
    if (edf_get_annotation(info->handle, i, &a) != 0)
        return -1;
    *onset = a.onset;
    *duration = a.duration_l;
    snprintf(text, size, "%s", a.annotation);
    return 0;
}

int ref_open_files(void)
{
    return edflib_get_number_of_open_files();
}
