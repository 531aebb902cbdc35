// IPC channel names besides the API channels themselves (which are their ApiChannel names).
export const PUSH_CHANNEL = 'prodlike:push';
