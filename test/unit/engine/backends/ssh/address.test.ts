// What a host string reaches: IPv4 in every form getaddrinfo accepts, IPv6 (mapped, NAT64), names.

import { lookup } from 'node:dns/promises';
import { describe, expect, it } from 'vitest';
import { canonicalIp, hostForm, isShortName, isThisMachine, parseIPv4, placeOf } from '../../../../../electron/engine/backends/ssh/address.js';

describe('parseIPv4 (inet_aton forms)', () => {
  it.each([
    ['10.0.0.5', '10.0.0.5'],
    ['10.5', '10.0.0.5'],
    ['10.0.5', '10.0.0.5'],
    ['0x0a.0.0.5', '10.0.0.5'],
    ['0X0A.0.0.0x5', '10.0.0.5'],
    ['012.0.0.5', '10.0.0.5'],
    ['167772165', '10.0.0.5'],
    ['0xa000005', '10.0.0.5'],
    ['127.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['10.65535', '10.0.255.255'],
  ])('%s is %s', (text, ip) => {
    expect(parseIPv4(text)).toBe(ip);
  });

  it.each(['web-1', '10.0.0.256', '256.0.0.1', '10.0.0.5.6', '09.0.0.1', '0x', 'a.b.c.d', '', '10..5', '4294967296', '10.16777216'])('%s is not an address', (text) => {
    expect(parseIPv4(text)).toBeUndefined();
  });

  it('agrees with getaddrinfo on the forms it accepts', async () => {
    for (const text of ['10.5', '0x0a.0.0.5', '167772165', '012.0.0.5', '127.1']) {
      const [first] = await lookup(text, { all: true });
      expect(parseIPv4(text), text).toBe(first!.address);
    }
  });
});

describe('canonicalIp', () => {
  it('turns IPv4 reached through IPv6 into IPv4: mapped (both spellings) and NAT64', () => {
    expect(canonicalIp('::ffff:10.0.0.5')).toBe('10.0.0.5');
    expect(canonicalIp('::FFFF:a00:5')).toBe('10.0.0.5');
    expect(canonicalIp('[::ffff:10.0.0.5]')).toBe('10.0.0.5');
    expect(canonicalIp('0:0:0:0:0:ffff:0a00:0005')).toBe('10.0.0.5');
    expect(canonicalIp('64:ff9b::10.0.0.5')).toBe('10.0.0.5');
  });

  it('writes other IPv6 in full, lower case, without zone', () => {
    expect(canonicalIp('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(canonicalIp('FE80::1%eth0')).toBe('fe80:0:0:0:0:0:0:1');
    expect(canonicalIp('2001:db8::ffff:10.0.0.5')).toBe('2001:db8:0:0:0:ffff:a00:5');
    expect(canonicalIp('::ffff:0:10.0.0.5')).not.toBe('10.0.0.5');
  });

  it('is undefined for names', () => {
    expect(canonicalIp('web-1.shop.internal')).toBeUndefined();
  });
});

describe('hostForm', () => {
  it('names: lower case, no trailing dot', () => {
    expect(hostForm('Web-1.Shop.Internal.')).toEqual({ kind: 'name', name: 'web-1.shop.internal' });
    expect(isShortName(hostForm('web-1'))).toBe(true);
    expect(isShortName(hostForm('web-1.shop'))).toBe(false);
    expect(isShortName(hostForm('10.5'))).toBe(false);
  });

  it('addresses in any spelling, and localhost, are addresses', () => {
    expect(hostForm('10.0.0.5.')).toEqual({ kind: 'ip', ip: '10.0.0.5' });
    expect(hostForm('167772165')).toEqual({ kind: 'ip', ip: '10.0.0.5' });
    expect(hostForm('[::ffff:10.0.0.5]')).toEqual({ kind: 'ip', ip: '10.0.0.5' });
    expect(hostForm('LocalHost')).toEqual({ kind: 'ip', ip: '127.0.0.1' });
    expect(hostForm('db.localhost')).toEqual({ kind: 'ip', ip: '127.0.0.1' });
  });

  it('every loopback and unspecified address is this machine; others are themselves', () => {
    for (const ip of ['127.0.0.1', '127.9.9.9', '0.0.0.0', '0:0:0:0:0:0:0:1', '0:0:0:0:0:0:0:0']) expect(isThisMachine(ip), ip).toBe(true);
    for (const ip of ['10.0.0.5', '128.0.0.1', '0:0:0:0:0:0:0:2']) expect(isThisMachine(ip), ip).toBe(false);
    expect(placeOf('127.0.0.2')).toBe(placeOf('0:0:0:0:0:0:0:1'));
    expect(placeOf('10.0.0.5')).toBe('10.0.0.5');
  });
});
