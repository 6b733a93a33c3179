/*
 * fuzz_reader.c - the EDF/EDF+/BDF reader from a memory buffer: open, walk
 * the time line and the annotations, decode every sample of every signal.
 */
#include <stdint.h>
#include <stdlib.h>

#include "edx/edf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    edx_diags d;
    edx_diags_init(&d);
    edf_file *f = NULL;
    if (edf_open_mem(data, size, "fuzz", &d, &f) == EDX_OK) {
        const edf_info *in = edf_get_info(f);
        for (size_t i = 0; i < edf_annotation_count(f); i++)
            (void)edf_annotation_at(f, i)->text[0];
        for (size_t i = 0; i < edf_segment_count(f); i++)
            (void)edf_record_onset_s(f, edf_get_segment(f, i)->first_record);
        double buf[512];
        int32_t dig[512];
        for (int s = 0; s < in->n_signals; s++) {
            int64_t total = edf_signal_samples(f, s);
            size_t got = 0;
            for (int64_t k = 0; k < total && k < 1 << 16; k += (int64_t)got) {
                if (edf_read_digital(f, s, k, 512, dig, &got) != EDX_OK || got == 0)
                    break;
                if (edf_read_uv(f, s, k, 512, buf, &got) != EDX_OK)
                    (void)edf_read_physical(f, s, k, 512, buf, &got);
                if (got == 0)
                    break;
            }
            double t_first;
            (void)edf_read_time_uv(f, s, 0.0, 0.5, buf, 512, &got, &t_first);
        }
        uint8_t *rec = in->record_bytes <= (1 << 20) ? malloc((size_t)in->record_bytes) : NULL;
        if (rec != NULL && in->n_records > 0 && edf_read_record_raw(f, 0, rec) == EDX_OK)
            for (int s = 0; s < in->n_signals; s++)
                if (edf_get_signal(f, s)->samples_per_record <= 512)
                    (void)edf_decode_digital(f, s, rec, dig);
        free(rec);
        edf_close(f);
    }
    edx_diags_free(&d);
    return 0;
}
