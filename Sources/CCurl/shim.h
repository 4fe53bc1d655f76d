#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

// C-facing layer over libcurl for the CurlClient module. Nothing above CurlClient sees these types.
//
// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic and cannot be called from
// Swift, so each argument kind gets one typed `static inline` wrapper here (the GRDB / corelibs-foundation
// approach). Macros that Swift does not import (casts, or-ed flags) are re-exposed as functions or
// constants. Everything is prefixed `ccurl_`.

#include <curl/curl.h>

// MARK: - Global

/// curl_global_init(CURL_GLOBAL_ALL); CURL_GLOBAL_ALL is a macro expression Swift does not import.
static inline CURLcode ccurl_global_init_all(void) {
    return curl_global_init(CURL_GLOBAL_ALL);
}

/// Size of the buffer handed to CURLOPT_ERRORBUFFER.
static inline size_t ccurl_error_buffer_size(void) {
    return CURL_ERROR_SIZE;
}

// MARK: - curl_easy_setopt wrappers (variadic in C)

static inline CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_offt(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

/// For string options. libcurl copies strings (except CURLOPT_POSTFIELDS, which is not a string option here).
static inline CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

/// For pointer options (CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_ERRORBUFFER, CURLOPT_COPYPOSTFIELDS, ...).
static inline CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

/// CURLOPT_WRITEFUNCTION.
static inline CURLcode ccurl_easy_setopt_write_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}

/// CURLOPT_HEADERFUNCTION (same signature as the write callback).
static inline CURLcode ccurl_easy_setopt_header_callback(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
}

/// CURLOPT_HTTPAUTH = CURLAUTH_BASIC plus user name and password (CURLAUTH_BASIC is a cast macro).
static inline CURLcode ccurl_easy_set_basic_auth(CURL *handle, const char *user, const char *password) {
    CURLcode rc = curl_easy_setopt(handle, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    if (rc != CURLE_OK) return rc;
    rc = curl_easy_setopt(handle, CURLOPT_USERNAME, user);
    if (rc != CURLE_OK) return rc;
    return curl_easy_setopt(handle, CURLOPT_PASSWORD, password);
}

// MARK: - curl_easy_getinfo wrappers (variadic in C)

static inline CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_easy_getinfo_offt(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}

/// The returned string is owned by the handle and valid until it is cleaned up or reused.
static inline CURLcode ccurl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

// MARK: - curl_multi_setopt wrappers (variadic in C)

static inline CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

// MARK: - CURLMsg (anonymous union)

/// Non-zero if the message is CURLMSG_DONE.
static inline int ccurl_msg_is_done(const CURLMsg *msg) {
    return msg->msg == CURLMSG_DONE;
}

static inline CURL *ccurl_msg_easy_handle(const CURLMsg *msg) {
    return msg->easy_handle;
}

/// The transfer's result code; only meaningful when ccurl_msg_is_done.
static inline CURLcode ccurl_msg_result(const CURLMsg *msg) {
    return msg->data.result;
}

#endif /* CCURL_SHIM_H */
