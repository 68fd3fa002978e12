/*
 * error.c - strings for the error codes listed once in nara_error.h.
 */
#include "nara_error.h"

const char *nara_strerror(nara_err_t err)
{
    switch (err) {
#define NARA__ERR_TEXT(name, num, text) \
    case NARA_##name:                   \
        return text;
        NARA_ERROR_MAP(NARA__ERR_TEXT)
#undef NARA__ERR_TEXT
    }
    return "unknown error";
}

const char *nara_err_name(nara_err_t err)
{
    switch (err) {
#define NARA__ERR_NAME(name, num, text) \
    case NARA_##name:                   \
        return "NARA_" #name;
        NARA_ERROR_MAP(NARA__ERR_NAME)
#undef NARA__ERR_NAME
    }
    return "NARA_UNKNOWN";
}
