# Sanity check of a generated clinic export against shared/clinic-export-format.md (and the sample design).
# Usage: python3 samples/check-samples.py samples/clinic-export   -> prints figures, then "ERRORS 0" when clean.
import csv, sys, re, collections, datetime as dt, statistics
d = sys.argv[1]
def load(f):
    raw = open(f"{d}/{f}", 'rb').read()
    assert not raw.startswith(b'\xef\xbb\xbf'), f"BOM in {f}"
    assert b'\r' not in raw, f"CR in {f}"
    raw.decode('utf-8')
    return list(csv.DictReader(open(f"{d}/{f}", newline='', encoding='utf-8')))
P, T, A = load('patients.csv'), load('treatments.csv'), load('assessments.csv')
errs = []
def err(m): errs.append(m)
DATE = re.compile(r'^\d{4}-\d{2}-\d{2}$'); MON = re.compile(r'^\d{4}-\d{2}$'); DTT = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$')
def pdate(s, partial=False):
    if DATE.match(s): return dt.date.fromisoformat(s)
    if DTT.match(s): dt.datetime.fromisoformat(s); return dt.date.fromisoformat(s[:10])
    if partial and MON.match(s): return dt.date.fromisoformat(s + '-01')
    raise ValueError(s)
END = dt.date(2026, 11, 1)
pids = {}
for p in P:
    if p['patient_id'] in pids: err('dup patient')
    pids[p['patient_id']] = p
    assert p['sex'] in ('male','female','other','unknown')
    assert p['diagnosis'] in ('ALS','PBP','PLS','PMA','MND')
    assert p['onset_region'] in ('','bulbar','spinal','respiratory','generalized')
    assert p['registry_consent'] in ('yes','no')
    assert p['hospital_mrn']=='' or re.match(r'^MRN\d+$', p['hospital_mrn'])
    b = pdate(p['birth_date'], True); o = pdate(p['onset_date'], True) if p['onset_date'] else None
    dg = pdate(p['diagnosis_date'])
    if o and not o < dg: err(f"onset/diag {p['patient_id']}")
    if p['onset_date'] and MON.match(p['onset_date']) and p['diagnosis_date'][:7] <= p['onset_date']: err(f"partial onset month {p['patient_id']}")
print('sex', collections.Counter(p['sex'] for p in P), 'dx', collections.Counter(p['diagnosis'] for p in P))
print('region', collections.Counter(p['onset_region'] for p in P))
print('mrn', sum(1 for p in P if p['hospital_mrn']), 'consent yes', sum(1 for p in P if p['registry_consent']=='yes'), 'deceased', sum(1 for p in P if p['deceased_date']),
      'partial birth', sum(1 for p in P if MON.match(p['birth_date'])), 'partial onset', sum(1 for p in P if MON.match(p['onset_date'])))
TC = {'BM_HARVEST','SC_INTRATHECAL','SC_INTRAVENOUS','SC_LOCAL','NEUROREHAB','NEUROMODULATION','NIV_START','GASTROSTOMY'}
SITES = set('hand-left hand-right elbow-flexors-left elbow-flexors-right knee-extensors-left knee-extensors-right ankle-plantarflexors-left ankle-plantarflexors-right knee-left knee-right shoulder-left shoulder-right lumbar muscle-upper-limb muscle-lower-limb'.split())
tids = {}
for t in T:
    if t['treatment_id'] in tids: err('dup treatment')
    tids[t['treatment_id']] = t
    assert re.match(r'^T-\d{5}$', t['treatment_id'])
    if t['patient_id'] not in pids: err('tp')
    assert t['code'] in TC, t
    assert t['status'] in ('completed','in-progress','not-done','entered-in-error','')
    s = pdate(t['performed_start'])
    if t['performed_end']:
        e = pdate(t['performed_end'])
        if t['performed_end'] < t['performed_start']: err(f"end<start {t}")
    if s >= END: err('future')
    p = pids[t['patient_id']]
    if p['deceased_date'] and s > pdate(p['deceased_date']): err(f'after death {t}')
    if t['code'].startswith('SC_'):
        assert t['cell_type'] in ('BM-MNC','BM-MSC','NSC') and t['cell_source'] in ('autologous','allogeneic'), t
        assert re.match(r'^\d+/\d+$', t['cycle']); n, N = map(int, t['cycle'].split('/')); assert 1 <= n <= N and 2 <= N <= 6
        if t['status'] != 'not-done': float(t['cell_count'])
    else:
        assert not t['cell_type'] and not t['cell_count']
    assert t['body_site'] == '' or t['body_site'] in SITES
    assert re.match(r'^S-\d{3}$', t['performer'])
print('cell_type', collections.Counter(t['cell_type'] for t in T if t['cell_type']), collections.Counter(t['cell_source'] for t in T if t['cell_source']))
print('complications', collections.Counter(t['complication'] for t in T if t['complication']))
print('datetime starts', sum(1 for t in T if 'T' in t['performed_start']))
RANGE = {'ALSFRSR_TOTAL':(0,48),'FOIS':(1,7),'PAIN_NRS':(0,10),'HADS_A':(0,21),'HADS_D':(0,21),'ALSAQ40':(0,100),'MQOL_SIS':(0,10),
         'FVC_PCT':(0,200),'SPO2_NIGHT_MEAN':(0,100),'SPEECH_INTELLIGIBILITY':(0,100),'NIV_HOURS':(0,24),'ROM':(0,360),'SPASM_EPISODES':(0,1000),
         'ANALGESIC_MME':(0,1000),'ODI':(0,200),'WEIGHT':(20,400),'GRIP':(0,150),'FVC':(0,8000)}
for i in range(1,13): RANGE[f'ALSFRSR_{i:02d}'] = (0,4)
UNITS = {'FVC':{'L','ml'},'FVC_PCT':{'%'},'GRIP':{'kg','lb'},'NIV_HOURS':{'h/d'},'SPO2_NIGHT_MEAN':{'%'},'ODI':{'/h'},'SPEECH_INTELLIGIBILITY':{'%'},
         'ROM':{'deg'},'SPASM_EPISODES':{'/wk'},'ANALGESIC_MME':{'mg/d'},'WEIGHT':{'kg','lb'}}
INTS = {'FOIS','PAIN_NRS','HADS_A','HADS_D','MQOL_SIS','SPASM_EPISODES','ALSFRSR_TOTAL'} | {f'ALSFRSR_{i:02d}' for i in range(1,13)}
aids = set(); panels = collections.defaultdict(dict); visits = collections.defaultdict(set)
for a in A:
    if a['assessment_id'] in aids: err('dup a')
    aids.add(a['assessment_id']); assert re.match(r'^A-\d{6}$', a['assessment_id'])
    if a['patient_id'] not in pids: err('ap')
    c, v, u = a['code'], a['value'], a['unit']
    e = pdate(a['effective'])
    if e >= END: err('future a')
    p = pids[a['patient_id']]
    if p['deceased_date'] and e >= pdate(p['deceased_date']): err('a after death')
    if a['treatment_id']:
        t = tids.get(a['treatment_id'])
        if not t or t['patient_id'] != a['patient_id'] or not t['code'].startswith('SC_') or pdate(t['performed_start']) >= e: err(f'link {a}')
    assert a['status'] in ('', 'amended'), a
    assert a['body_site'] == '' or a['body_site'] in SITES
    if c == 'MAS':
        assert v in ('0','1','1+','2','3','4') and a['body_site'] and ('flexors' in a['body_site'] or 'extensors' in a['body_site']), a
    elif c == 'FEEDS_INDEPENDENTLY': assert v in ('yes','no')
    else:
        assert c in RANGE, c
        x = float(v); lo, hi = RANGE[c]
        if c in INTS: assert re.match(r'^\d+$', v), a
        if c == 'FVC': x = x/1000 if u == 'ml' else x; assert (u == 'ml') == bool(re.match(r'^\d+$', v)); assert 0.5 < x < 8
        if c == 'WEIGHT' and u == 'lb': x /= 2.20462
        if not lo <= x <= hi: err(f'range {a}')
    if c in UNITS:
        if u not in UNITS[c]: err(f'unit {a}')
    elif u: err(f'unexpected unit {a}')
    if c == 'GRIP': assert a['body_site'] in ('hand-left','hand-right')
    if c == 'ROM': assert a['body_site'] in ('knee-left','knee-right','shoulder-left','shoulder-right')
    if c.startswith('ALSFRSR'):
        if not a['panel_id']: err('no panel')
        if c in panels[a['panel_id']]: err('dup item in panel')
        panels[a['panel_id']][c] = (int(v), a)
    visits[a['patient_id']].add(e)
# panels
slopes = {}
for pid_, items in panels.items():
    assert len(items) == 13, pid_
    s = sum(items[f'ALSFRSR_{i:02d}'][0] for i in range(1,13))
    if s != items['ALSFRSR_TOTAL'][0]: err(f'total {pid_}')
    effs = {x[1]['effective'] for x in items.values()}; pats = {x[1]['patient_id'] for x in items.values()}
    assert len(effs) == 1 and len(pats) == 1
# 5b
gast = {t['patient_id']: pdate(t['performed_start']) for t in T if t['code']=='GASTROSTOMY'}
for a in A:
    if a['code']=='ALSFRSR_05':
        g = gast.get(a['patient_id']); exp = '5b' if g and pdate(a['effective']) > g else ''
        if a['note'] != exp: err(f'5b {a}')
    elif a['note'] == '5b': err('5b elsewhere')
# follow-up, slopes
tot = collections.defaultdict(list)
for a in A:
    if a['code']=='ALSFRSR_TOTAL': tot[a['patient_id']].append((pdate(a['effective']), int(a['value'])))
short=[]; bad_slope=[]; allslopes=[]
for pid_, p in pids.items():
    pts = sorted(tot[pid_]); first, last = pts[0][0], pts[-1][0]
    if not p['deceased_date'] and (last - first).days < 730: short.append(pid_)
    if not (dt.date(2023,1,1) <= first <= dt.date(2024,12,31)): err(f'first visit {pid_} {first}')
    xs = [(d_-first).days/30.4375 for d_,_ in pts]; ys=[y for _,y in pts]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    sl = -sum((x-mx)*(y-my) for x,y in zip(xs,ys))/sum((x-mx)**2 for x in xs)
    allslopes.append(sl)
    if not 0.45 <= sl <= 1.05: bad_slope.append((pid_, round(sl,3), len(pts)))
    if not 30 <= ys[0] <= 44: err(f'start total {pid_} {ys[0]}')
    gaps = [(b-a_).days for (a_,_),(b,_) in zip(pts, pts[1:])]
    if min(gaps) < 20 or max(gaps) > 155: err(f'gaps {pid_} {gaps}')
print('visits/patient', min(len(v) for v in tot.values()), max(len(v) for v in tot.values()), 'slopes', round(min(allslopes),3), round(max(allslopes),3), 'mean', round(statistics.mean(allslopes),3))
print('short follow-up (alive):', short); print('slopes outside 0.45-1.05:', bad_slope)
fvc = [a for a in A if a['code']=='FVC']; print('FVC ml share', round(sum(1 for a in fvc if a['unit']=='ml')/len(fvc),3),
      'lb grip', sum(1 for a in A if a['code']=='GRIP' and a['unit']=='lb'), 'lb weight', sum(1 for a in A if a['code']=='WEIGHT' and a['unit']=='lb'),
      'datetime eff', sum(1 for a in A if 'T' in a['effective']), 'linked', sum(1 for a in A if a['treatment_id']), 'amended', sum(1 for a in A if a['status']=='amended'))
print('MAS values', collections.Counter(a['value'] for a in A if a['code']=='MAS'))
# every SC session (done) gets exactly its first follow-up visit linked
for t in T:
    if t['code'].startswith('SC_') and t['status']!='not-done':
        s = pdate(t['performed_start']); later = sorted(d_ for d_ in visits[t['patient_id']] if d_ > s)
        linked = {pdate(a['effective']) for a in A if a['treatment_id']==t['treatment_id']}
        if later and linked != {later[0]}: err(f'follow-up link {t["treatment_id"]} {linked} {later[:1]}')
print('ERRORS', len(errs)); [print(' ', e) for e in errs[:30]]
