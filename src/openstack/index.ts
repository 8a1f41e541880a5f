// Public surface of the OpenStack client layer.
export { createClient, type ClientOptions, type OpenStackClient } from './client.ts';
export { loadCloudConfigs, type CloudConfig, type CloudAuth, type LoadCloudOptions } from './config.ts';
export { OpenStackError, OPENSTACK_ERROR_CODES, isOpenStackError, type OpenStackErrorCode, type ServiceName } from './errors.ts';
export { DEFAULT_HTTP_SETTINGS, HttpTransport, type HttpSettings } from './http.ts';
export { validateToken } from './keystone.ts';
export { NOVA_MICROVERSIONS } from './nova.ts';
export { PLACEMENT_MICROVERSIONS, type ProviderTree } from './placement.ts';
