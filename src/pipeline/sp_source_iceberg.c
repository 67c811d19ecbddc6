/* sp_source_iceberg.c — placeholder while the Iceberg reader is written */
#include "sp_pq_int.h"
int tf_trip_source_iceberg(const char *path, const tf_trip_source_opts *o, tf_trip_source **out, tf_err *err)
{
    (void)o;
    *out = NULL;
    return tf_errf(err, TF_EUNSUPPORTED, "%s: Iceberg tables are not read yet", path);
}
