/*
 * The fat32 server around the FAT32 library (fat.h): the device over blk
 * and the table of open files. Only server.c touches messages.
 */
#pragma once

#include <stdint.h>

#include "fat.h"

/* Maps the DMA frame at dma_va, attaches it to blk and fills *dev. */
err_t fs_dev_open(struct fat_dev *dev, uint64_t dma_va);

/* Makes completed writes durable (blk FLUSH). */
err_t fs_dev_flush(void);
