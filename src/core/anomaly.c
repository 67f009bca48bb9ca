#include "kexray/core/anomaly.h"

static const char *const anom_names[KX_ANOM_MAX] = {
#define KX_ANOM_NAME(id, name, desc) [KX_ANOM_##id] = name,
	KX_ANOMALY_LIST(KX_ANOM_NAME)
#undef KX_ANOM_NAME
};

static const char *const anom_descs[KX_ANOM_MAX] = {
#define KX_ANOM_DESC(id, name, desc) [KX_ANOM_##id] = desc,
	KX_ANOMALY_LIST(KX_ANOM_DESC)
#undef KX_ANOM_DESC
};

const char *
kx_anomaly_name(enum kx_anomaly a)
{
	if ((unsigned)a >= KX_ANOM_MAX)
		return "unknown";
	return anom_names[a];
}

const char *
kx_anomaly_desc(enum kx_anomaly a)
{
	if ((unsigned)a >= KX_ANOM_MAX)
		return "unknown anomaly";
	return anom_descs[a];
}
