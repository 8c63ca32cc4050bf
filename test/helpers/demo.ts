/** Demo records the tests drive (src/db/demo-seed.json): drivers with their token secrets, and consignments. */

/** The demo drivers with their token secrets and vehicles. */
export const DEMO_DRIVERS = {
  chan: { driverNo: '41000019', mobile: '+85291234567', secret: 'ERTPZL7AKMO3BBKH6YOTTPJUAISOSLZU', vehicles: ['AB1234'] },
  lee: { driverNo: '41000024', mobile: '+85262345678', secret: 'CUELNF4JLK7QHVK4HBA7LERWVOJMTOTL', vehicles: ['CD5678', 'EF901'] },
  wang: { driverNo: '41000035', mobile: '+8613800138000', secret: 'FLEBFGKXQAJXSVLWNAUATJFBNUPMZJTR', vehicles: ['FU123'] },
  ho: { driverNo: '41000043', mobile: '+85251234567', secret: 'VAQ4MLUBAT4FDHLDTNGASSFOZZSBWFB7', vehicles: ['GH2468'] },
} as const;

/** The demo consignments by what a test uses them for. */
export const DEMO_CCRN = {
  in1: '261100000013',
  in2: '261100000021',
  out1: '261100000037',
  bundled: '261100000045',
  crossed: '261100000059',
  cancelled: '261100000068',
  expired: '261100000076',
  soon: '261100000084',
  out2: '261100000092',
  in3: '261100000101',
  out3: '261100000117',
} as const;
