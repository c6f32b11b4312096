/*
 * FAT timestamps: converts the caller-set clock (seconds since 1980-01-01
 * local time, fat_set_time) to FAT's packed date and 2-second time.
 */
#include "fat_priv.h"

#define LAST_YEAR 2107 /* the 7-bit year field ends here */

void fat_set_time(struct fat_fs *fs, uint64_t seconds_since_1980)
{
    fs->now = seconds_since_1980;
}

static bool leap(uint32_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static uint32_t month_days(uint32_t y, uint32_t m)
{
    static const uint8_t days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : days[m - 1];
}

void fat_timestamp(const struct fat_fs *fs, uint16_t *date, uint16_t *time,
                   uint8_t *tenth)
{
    uint64_t days = fs->now / 86400;
    uint32_t secs = (uint32_t)(fs->now % 86400);
    uint32_t y = 1980, m = 1;
    while (y <= LAST_YEAR && days >= (leap(y) ? 366u : 365u)) {
        days -= leap(y) ? 366u : 365u;
        y++;
    }
    if (y > LAST_YEAR) {
        /* Past what FAT can say: the last representable moment. */
        *date = (uint16_t)(((LAST_YEAR - 1980) << 9) | (12 << 5) | 31);
        *time = (uint16_t)((23 << 11) | (59 << 5) | 29);
        *tenth = 100;
        return;
    }
    while (days >= month_days(y, m)) {
        days -= month_days(y, m);
        m++;
    }
    *date = (uint16_t)(((y - 1980) << 9) | (m << 5) | (uint32_t)(days + 1));
    *time =
        (uint16_t)(((secs / 3600) << 11) | (((secs / 60) % 60) << 5) | ((secs % 60) / 2));
    *tenth = (uint8_t)((secs % 2) * 100);
}
