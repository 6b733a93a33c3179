/*
 * hot.h - for the loops over every sample that the compiler vectorises
 * (decoding, the EMG analysers): on x86-64 gcc also builds an AVX2 clone,
 * chosen at load time when the CPU has it (function multi-versioning); the
 * baseline build stays SSE2. The same operations in each lane, so the same
 * values.
 */
#ifndef EDX_COMMON_HOT_H
#define EDX_COMMON_HOT_H

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                             \
    !defined(__SANITIZE_ADDRESS__)
#define EDX_HOT_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define EDX_HOT_CLONES
#endif

#endif
