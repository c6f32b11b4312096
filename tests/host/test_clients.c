/*
 * libsys's per-client bookkeeping (libsys/src/clients.c): charges stop at
 * each client's limit with E_LIMIT while others go on, a full table is
 * E_NOSPACE, uncharge and drop give back exactly what was charged, limits
 * of one's own and defaults; then random operations against a model.
 */
#include <string.h>

#include <sys/clients.h>

#include "check.h"

enum { FILES, PIPES, NKINDS };
#define CAP 8

static struct clients_entry storage[CAP];
static struct clients cl;

static void fresh(void)
{
    const uint32_t limits[NKINDS] = {4, 2};
    memset(storage, 0xa5, sizeof storage); /* init must not trust old contents */
    clients_init(&cl, storage, CAP, NKINDS, limits);
}

static void test_limit_per_client(void)
{
    fresh();
    for (int i = 0; i < 4; i++)
        CHECK_EQ_U64(clients_charge(&cl, 100, FILES, 1), E_OK);
    CHECK_EQ_U64(clients_charge(&cl, 100, FILES, 1), (uint64_t)(int64_t)E_LIMIT);
    CHECK_EQ_U64(clients_held(&cl, 100, FILES), 4);
    /* Another client, and another kind of the same one, go on. */
    CHECK_EQ_U64(clients_charge(&cl, 200, FILES, 3), E_OK);
    CHECK_EQ_U64(clients_charge(&cl, 100, PIPES, 2), E_OK);
    CHECK_EQ_U64(clients_charge(&cl, 100, PIPES, 1), (uint64_t)(int64_t)E_LIMIT);
    /* A charge of several is all or nothing. */
    CHECK_EQ_U64(clients_charge(&cl, 200, FILES, 2), (uint64_t)(int64_t)E_LIMIT);
    CHECK_EQ_U64(clients_held(&cl, 200, FILES), 3);
    /* Giving one back makes room for one. */
    clients_uncharge(&cl, 100, FILES, 1);
    CHECK_EQ_U64(clients_charge(&cl, 100, FILES, 1), E_OK);
    CHECK_EQ_U64(clients_count(&cl), 2);
    /* Bad kinds. */
    CHECK_EQ_U64(clients_charge(&cl, 100, NKINDS, 1), (uint64_t)(int64_t)E_INVAL);
    CHECK_EQ_U64(clients_held(&cl, 100, NKINDS), 0);
    /* A count that would wrap is refused, not wrapped. */
    CHECK_EQ_U64(clients_charge(&cl, 300, FILES, UINT32_MAX), (uint64_t)(int64_t)E_LIMIT);
    CHECK_EQ_U64(clients_count(&cl), 2);
}

static void test_drop_and_uncharge(void)
{
    fresh();
    CHECK_EQ_U64(clients_charge(&cl, 7, FILES, 3), E_OK);
    CHECK_EQ_U64(clients_charge(&cl, 7, PIPES, 1), E_OK);
    uint32_t held[NKINDS] = {99, 99};
    CHECK_EQ_U64(clients_drop(&cl, 7, held), 4);
    CHECK_EQ_U64(held[FILES], 3);
    CHECK_EQ_U64(held[PIPES], 1);
    CHECK_EQ_U64(clients_count(&cl), 0);
    CHECK_EQ_U64(clients_held(&cl, 7, FILES), 0);
    /* Dropping an unknown client reports nothing held. */
    CHECK_EQ_U64(clients_drop(&cl, 7, held), 0);
    CHECK_EQ_U64(held[FILES], 0);
    /* Uncharging more than held stops at zero; the entry goes at zero. */
    CHECK_EQ_U64(clients_charge(&cl, 8, FILES, 2), E_OK);
    clients_uncharge(&cl, 8, FILES, 5);
    CHECK_EQ_U64(clients_held(&cl, 8, FILES), 0);
    CHECK_EQ_U64(clients_count(&cl), 0);
    /* Uncharging an unknown client changes nothing. */
    clients_uncharge(&cl, 9, FILES, 1);
    CHECK_EQ_U64(clients_count(&cl), 0);
    /* A zero charge makes no entry. */
    CHECK_EQ_U64(clients_charge(&cl, 9, FILES, 0), E_OK);
    CHECK_EQ_U64(clients_count(&cl), 0);
}

static void test_full_table(void)
{
    fresh();
    for (uint64_t b = 1; b <= CAP; b++)
        CHECK_EQ_U64(clients_charge(&cl, b, FILES, 1), E_OK);
    CHECK_EQ_U64(clients_charge(&cl, CAP + 1, FILES, 1), (uint64_t)(int64_t)E_NOSPACE);
    /* Known clients still charge. */
    CHECK_EQ_U64(clients_charge(&cl, 1, FILES, 1), E_OK);
    clients_uncharge(&cl, 3, FILES, 1);
    CHECK_EQ_U64(clients_charge(&cl, CAP + 1, FILES, 1), E_OK);
}

static void test_own_limits_and_defaults(void)
{
    fresh();
    CHECK_EQ_U64(clients_set_limit(&cl, 50, FILES, 10), E_OK);
    CHECK_EQ_U64(clients_count(&cl), 1); /* kept although it holds nothing */
    CHECK_EQ_U64(clients_limit(&cl, 50, FILES), 10);
    CHECK_EQ_U64(clients_limit(&cl, 50, PIPES), 2);
    CHECK_EQ_U64(clients_charge(&cl, 50, FILES, 10), E_OK);
    CHECK_EQ_U64(clients_charge(&cl, 50, FILES, 1), (uint64_t)(int64_t)E_LIMIT);
    clients_uncharge(&cl, 50, FILES, 10);
    CHECK_EQ_U64(clients_count(&cl), 1);
    /* A new default reaches clients on it, and new ones; not own limits. */
    CHECK_EQ_U64(clients_charge(&cl, 60, FILES, 1), E_OK);
    CHECK_EQ_U64(clients_set_default(&cl, FILES, 6), E_OK);
    CHECK_EQ_U64(clients_limit(&cl, 60, FILES), 6);
    CHECK_EQ_U64(clients_limit(&cl, 61, FILES), 6);
    CHECK_EQ_U64(clients_limit(&cl, 50, FILES), 10);
    CHECK_EQ_U64(clients_set_default(&cl, NKINDS, 1), (uint64_t)(int64_t)E_INVAL);
    /* Unlimited. */
    CHECK_EQ_U64(clients_set_limit(&cl, 70, PIPES, CLIENTS_UNLIMITED), E_OK);
    CHECK_EQ_U64(clients_charge(&cl, 70, PIPES, 1000000), E_OK);
    CHECK_EQ_U64(clients_charge(&cl, 70, PIPES, UINT32_MAX), (uint64_t)(int64_t)E_LIMIT);
    /* A limit lowered below what is held stops new charges only. */
    CHECK_EQ_U64(clients_set_limit(&cl, 70, PIPES, 3), E_OK);
    CHECK_EQ_U64(clients_held(&cl, 70, PIPES), 1000000);
    CHECK_EQ_U64(clients_charge(&cl, 70, PIPES, 1), (uint64_t)(int64_t)E_LIMIT);
    /* Dropping a client with own limits forgets them. */
    (void)clients_drop(&cl, 50, NULL);
    CHECK_EQ_U64(clients_limit(&cl, 50, FILES), 6);
}

/* Random charges, uncharges and drops of a few clients against a model. */
static void test_random_against_model(void)
{
    fresh();
    enum { BADGES = 12, STEPS = 20000 };
    uint32_t model[BADGES][NKINDS] = {{0}};
    const uint32_t limit[NKINDS] = {4, 2};
    for (int step = 0; step < STEPS; step++) {
        uint64_t b = check_rand() % BADGES;
        uint32_t k = (uint32_t)(check_rand() % NKINDS), n = (uint32_t)(check_rand() % 3);
        uint32_t used = 0;
        for (int i = 0; i < BADGES; i++)
            used += model[i][0] + model[i][1] > 0;
        switch (check_rand() % 4) {
        case 0:
        case 1: {
            err_t want = model[b][k] + n > limit[k] ? E_LIMIT
                         : n == 0 || model[b][0] + model[b][1] > 0 || used < CAP ? E_OK
                                                                                   : E_NOSPACE;
            err_t got = clients_charge(&cl, b, k, n);
            CHECK_EQ_U64(got, (uint64_t)(int64_t)want);
            if (got == E_OK)
                model[b][k] += n;
            break;
        }
        case 2:
            clients_uncharge(&cl, b, k, n);
            model[b][k] -= n < model[b][k] ? n : model[b][k];
            break;
        default: {
            uint32_t held[NKINDS];
            CHECK_EQ_U64(clients_drop(&cl, b, held), model[b][0] + model[b][1]);
            CHECK_EQ_U64(held[0], model[b][0]);
            CHECK_EQ_U64(held[1], model[b][1]);
            model[b][0] = model[b][1] = 0;
        }
        }
        uint32_t want_count = 0;
        for (int i = 0; i < BADGES; i++) {
            want_count += model[i][0] + model[i][1] > 0;
            for (uint32_t j = 0; j < NKINDS; j++)
                if (clients_held(&cl, (uint64_t)i, j) != model[i][j]) {
                    CHECK(!"held differs from the model");
                    return;
                }
        }
        if (clients_count(&cl) != want_count) {
            CHECK_EQ_U64(clients_count(&cl), want_count);
            return;
        }
    }
    CHECK(1);
}

int main(void)
{
    test_limit_per_client();
    test_drop_and_uncharge();
    test_full_table();
    test_own_limits_and_defaults();
    test_random_against_model();
    return check_finish("test_clients");
}
