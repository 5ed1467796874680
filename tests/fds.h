/* SPDX-License-Identifier: MIT */
/* Descriptors this process holds: counted before and after a case that must not leak one (tests and fuzz targets). */
#ifndef BARBENCH_TEST_FDS_H
#define BARBENCH_TEST_FDS_H

#include <dirent.h>

/* How many descriptors are open, from /proc/self/fd; -1 when it cannot be read. */
static inline int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own descriptor */
}

#endif
