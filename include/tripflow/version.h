/* version.h — the release version; the build id comes from the build
 * (git describe) through -DTF_BUILD_ID. */
#ifndef TF_VERSION_H
#define TF_VERSION_H

#define TF_VERSION "0.1.0"
#ifndef TF_BUILD_ID
#define TF_BUILD_ID "unknown"
#endif

#endif
