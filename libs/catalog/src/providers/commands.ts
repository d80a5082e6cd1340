import type { CommandActor } from '../command-base';

/** Commands of the `provider-{providerId}` stream. Upstream keys arrive already sealed. */
export interface RegisterProvider extends CommandActor {
  type: 'RegisterProvider';
  providerId: string;
  name: string;
  baseUrl: string;
  apiKeySealed: string;
  region: string | null;
}

export interface UpdateProvider extends CommandActor {
  type: 'UpdateProvider';
  providerId: string;
  name: string;
  baseUrl: string;
  region: string | null;
}

/** The caller compares the plain key first (sealing is randomised), so a rotation always appends. */
export interface RotateProviderKey extends CommandActor {
  type: 'RotateProviderKey';
  providerId: string;
  apiKeySealed: string;
}

export type ProviderCommand = RegisterProvider | UpdateProvider | RotateProviderKey;
