/*
 * emg_hot.h - for the loops of the EMG analysers that the compiler
 * vectorises: on x86-64 gcc also builds an AVX2 clone, chosen at load time
 * when the CPU has it (as in src/edf/samples.c); the same operations in
 * each lane, so the same values.
 */
#ifndef EDX_EMG_HOT_H
#define EDX_EMG_HOT_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
#define EMG_HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EMG_HOT_CLONES
#endif

#endif
