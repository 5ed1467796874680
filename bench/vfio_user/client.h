/* SPDX-License-Identifier: MIT */
/*
 * The vfio-user client backend, vfio-user:SOCKET[?layout=NAME][&timeout=MS]
 * (bench/vfio_user/client.c): a device another process serves, as a VMM's
 * client sees it.
 */
#ifndef BARBENCH_VU_CLIENT_H
#define BARBENCH_VU_CLIENT_H

#include <stdint.h>

#include "barbench/backend.h"
#include "vfio_user.h"

extern const struct bb_backend_ops bb_backend_vfio_user;

/* The message of the last failed trap-path access (rw has no diagnostic), or "". */
const char *bb_vfio_user_last_error(const struct bb_dev *dev);
/* What the server said in its VERSION reply; NULL for another backend. */
const struct bb_vu_caps *bb_vfio_user_server_caps(const struct bb_dev *dev);
/* The chunk size trapped accesses are split at (min of both max_data_xfer_size). */
uint64_t bb_vfio_user_max_xfer(const struct bb_dev *dev);

#endif
