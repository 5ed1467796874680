/* SPDX-License-Identifier: MIT */
/*
 * Study files (studies/README.md): a matrix of devices x regions x policies x
 * page sizes x runners x workloads x repetitions, with sample counts.
 */
#ifndef BARBENCH_STUDY_H
#define BARBENCH_STUDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barbench/diag.h"

#define BB_STUDY_MAX_DEVICES 64
#define BB_STUDY_MAX_REGIONS 16
#define BB_STUDY_MAX_LIST 16
#define BB_STUDY_MAX_PARAMS 8

struct bb_study_device {
	char spec[300];			/* emu:layouts/x, or emu:DIR/ * for every layout in DIR */
	bool auto_regions;		/* regions with named registers (else the mappable ones) */
	uint32_t nr_regions;
	uint32_t regions[BB_STUDY_MAX_REGIONS];
	unsigned line;
};

struct bb_study {
	char name[64];
	uint64_t samples;
	uint64_t warmup;		/* UINT64_MAX: samples / 10, at most 1000 */
	unsigned repetitions;
	unsigned width;
	unsigned nr_devices;
	struct bb_study_device devices[BB_STUDY_MAX_DEVICES];
	bool all_policies;
	unsigned nr_policies;
	char policies[BB_STUDY_MAX_LIST][32];
	unsigned nr_pages;
	uint64_t pages[BB_STUDY_MAX_LIST];
	unsigned nr_runners;
	char runners[BB_STUDY_MAX_LIST][16];
	unsigned nr_workloads;
	char workloads[BB_STUDY_MAX_LIST][300];
	uint64_t guest_samples;		/* samples of a guest run; 0: samples */
	unsigned nr_guest_workloads;	/* 0: the same workloads as the host */
	char guest_workloads[BB_STUDY_MAX_LIST][300];
	bool advise;			/* run `barbench advise` on every layout after the runs */
	unsigned nr_params;
	char param_keys[BB_STUDY_MAX_PARAMS][64];
	char param_values[BB_STUDY_MAX_PARAMS][64];
};

/* Parse study text; errors name "name:line". */
int bb_study_parse(const char *text, size_t len, const char *name, struct bb_study *out, struct bb_diag *d);
int bb_study_load(const char *path, struct bb_study *out, struct bb_diag *d);

/*
 * The identity of a study file's bytes, as manifest.json records it
 * ("study_hash": "fnv1a64:<16 hex digits>"): study --resume refuses a
 * study.txt that no longer matches.  Not a defence against a forger (who
 * can edit the manifest too), a guard against mixing two studies' rows.
 */
#define BB_STUDY_HASH_LEN 32
void bb_study_hash(const void *buf, size_t len, char out[BB_STUDY_HASH_LEN]);

#endif
