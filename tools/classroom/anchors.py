# Anchors for docs/classroom.md: finds, in a freshly recorded trace, every virtual time,
# pc and address the walkthrough quotes, so the text stays true after a firmware change.
# Imported by tools/classroom/refresh with CLASSROOM_ROOT and CLASSROOM_WORK set.
import os, subprocess, re, sys
ROOT=os.environ['CLASSROOM_ROOT']
WORK=os.environ['CLASSROOM_WORK']
T=os.path.join(ROOT,'trace/ringside-trace')
TR=os.path.join(WORK,'ping1.trace')
def show(args=''):
    out=subprocess.run(f'{T} show --raw {args} {TR}',shell=True,capture_output=True,text=True,cwd=WORK).stdout
    evs=[]
    for l in out.splitlines():
        p=l.split(' ',4)
        evs.append(dict(t=int(p[0]),pc=p[1],sym=p[2],name=p[3],f=p[4] if len(p)>4 else '',line=l))
    return evs
E=show()
def first(pred, after=-1):
    for e in E:
        if e['t']>after and pred(e): return e
    raise SystemExit('anchor not found')
def last(pred):
    r=None
    for e in E:
        if pred(e): r=e
    return r
A={}
n=lambda e,name: e['name']==name
bar5r=first(lambda e: n(e,'pci_cfg_write') and 'bdf=00:01.0' in e['f'] and 'reg=bar5' in e['f'] and 'value=0x0 ' in e['f'])
A['T_SIZE_END']=bar5r['t']
il=first(lambda e: n(e,'pci_cfg_write') and 'reg=interrupt_line' in e['f'] and 'bdf=00:01.0' in e['f'])
A['T_ILINE']=il['t']; A['ILINE']=re.search(r'value=(\S+)',il['f']).group(1)
bm4=first(lambda e: n(e,'pci_bar_map') and 'bar=4' in e['f'])
A['T_BARMAP']=bm4['t']
c7=first(lambda e: n(e,'pci_cfg_read') and 'reg=command' in e['f'] and 'value=0x7' in e['f'] and 'bdf=00:01.0' in e['f'])
A['T_PROBE_CMD']=c7['t']
cend=last(lambda e: n(e,'pci_cfg_read') and 'reg=cap.next' in e['f'] and 'value=0x0 ' in e['f'])
A['T_CAP_END']=cend['t']
rs=first(lambda e: n(e,'virtio_reset'))
A['T_RESET']=rs['t']
ack=first(lambda e: n(e,'virtio_status') and 'new=0x1' in e['f'])
drv=first(lambda e: n(e,'virtio_status') and 'new=0x3' in e['f'])
A['T_ACK']=ack['t']; A['T_DRV']=drv['t']; A['ACK_DRV_K']='%.1f' % ((drv['t']-ack['t'])/1000)
f1=first(lambda e: n(e,'virtio_features') and 'side=device word=1' in e['f'])
A['T_DFEAT1']=f1['t']
v0=first(lambda e: n(e,'virtio_config_read'))
A['T_VALIDATE']=v0['t']
fok=first(lambda e: n(e,'virtio_status') and 'new=0xb' in e['f'])
A['T_FOK']=fok['t']
gs=first(lambda e: n(e,'mmio_read') and 'reg=common.device_status' in e['f'] and 'value=0xb ' in e['f'], fok['t'])
A['FOK_READBACK']=gs['line']
nq=first(lambda e: n(e,'mmio_read') and 'reg=common.num_queues' in e['f'])
A['T_NUMQ']=nq['t']
qs=[e for e in E if n(e,'virtio_queue_setup')]
A['T_QS0']=qs[0]['t']; A['QS_GAP']=qs[1]['t']-qs[0]['t']
for k,e in enumerate(qs[:2]):
    m=dict(re.findall(r'(\w+)=(\S+)',e['f']))
    A[f'Q{k}_DESC']=m['desc'];A[f'Q{k}_AVAIL']=m['avail'];A[f'Q{k}_USED']=m['used']
qen=first(lambda e: n(e,'mmio_read') and 'reg=common.queue_enable' in e['f'])
qno=first(lambda e: n(e,'mmio_read') and 'reg=common.queue_notify_off' in e['f'])
A['ALLOC_K']='%d' % round((qno['t']-qen['t'])/1000)
d0=first(lambda e: n(e,'desc_write') and 'queue=0 ' in e['f'])
a0=first(lambda e: n(e,'avail_idx') and 'queue=0 ' in e['f'])
dok=first(lambda e: n(e,'virtio_status') and 'new=0xf' in e['f'])
A['T_FILL0']=d0['t']; A['T_FILL0_IDX']=a0['t']; A['T_SETUP_END']=dok['t']-1
A['T_DOK']=dok['t']
rk=first(lambda e: n(e,'virtio_notify') and e['f'].endswith('queue=0'))
A['T_RXKICK0']=rk['t']
i8=first(lambda e: n(e,'irq_raise') and 'queue=8 ' in e['f'])
A['T_CTRL_IRQ']=i8['t']
ue8=first(lambda e: n(e,'used_event_write') and 'queue=8 ' in e['f'])
A['UE8_LINE']=ue8['line']
irq1=first(lambda e: n(e,'interrupt'))
isr1=first(lambda e: n(e,'virtio_isr_read'))
A['IRQ1_LINE']=irq1['line']; A['ISR1_LINE']=isr1['line']
tx0=first(lambda e: n(e,'desc_write') and 'queue=1 ' in e['f'])
txn=first(lambda e: n(e,'virtio_notify') and 'queue=1' in e['f'])
A['T_TX0']=tx0['t']; A['T_TXN']=txn['t']; A['T_RX1']=txn['t']+2000
nw=first(lambda e: n(e,'mmio_write') and 'reg=notify' in e['f'] and e['t']==txn['t'])
A['NOTIFY_ADDR']=re.search(r'addr=(\S+)',nw['f']).group(1); A['NOTIFY_PC']=nw['pc']
ti=first(lambda e: n(e,'interrupt'), txn['t'])
A['T_TXIRQ']=ti['t']; A['TXIRQ_EPC']=re.search(r'epc=(\S+)',ti['f']).group(1)
c0=first(lambda e: n(e,'mmio_read') and 'reg=claim.m' in e['f'] and 'value=0x0 ' in e['f'], ti['t'])
A['T_TXIRQ_END']=c0['t']
ue0=first(lambda e: n(e,'used_event_write') and 'queue=0 ' in e['f'])
A['T_UE0']=ue0['t']
mt=first(lambda e: n(e,'mmio_write') and 'reg=mtimecmp' in e['f'], ue0['t'])
v=int(re.search(r'value=(\S+)',mt['f']).group(1),16)
A['MTIMECMP']=hex(v); A['MTIMECMP_TICKS']=v; A['MTIMECMP_VT']=v*10
ws=first(lambda e: n(e,'wfi_sleep'), ue0['t']); ww=first(lambda e: n(e,'wfi_wake'), ue0['t'])
A['SLEEP_UNTIL']=re.search(r'until=(\d+)',ws['f']).group(1); A['SLEPT']=re.search(r'slept=(\d+)',ww['f']).group(1)
rxf=first(lambda e: n(e,'chain_fetch') and 'queue=0 ' in e['f'])
A['T_RXF']=rxf['t']
ri=first(lambda e: n(e,'interrupt'), rxf['t'])
A['T_RXIRQ']=ri['t']
c1=first(lambda e: n(e,'mmio_read') and 'reg=claim.m' in e['f'] and 'value=0x0 ' in e['f'], ri['t'])
A['T_RXIRQ_END']=c1['t']
ue01=first(lambda e: n(e,'used_event_write') and 'queue=0 ' in e['f'] and 'value=1' in e['f'])
A['T_UE01']=ue01['t']
A['N_EVENTS']=len(E)
import os
A['TRACE_KB']=round(os.path.getsize(TR)/1000)
rtt=re.search(r'time=(\S+) us', open(os.path.join(WORK,'console.txt')).read()).group(1)
A['RTT']=rtt
if __name__=='__main__':
    for k,v in A.items(): print(k,'=',v)

def _q8():
    out=subprocess.run(f'{T} show --raw --queue 0 {WORK}/ping1-q8.trace',shell=True,capture_output=True,text=True).stdout.splitlines()
    B={'Q8_COUNT':len(out)}
    for i,l in enumerate(out):
        if 'avail_idx' in l and l.endswith('idx=8'): B['Q8_FILL_END']=i
        if 'virtio_notify' in l and 'Q8_NOTIFY' not in B: B['Q8_NOTIFY']=i
        if 'chain_fetch' in l and 'Q8_FETCH1' not in B: B['Q8_FETCH1']=i
        if 'irq_raise' in l and 'Q8_IRQ1' not in B: B['Q8_IRQ1']=i
        if 'avail_idx' in l and l.endswith('idx=9'): B['Q8_REFILL1']=i
    return B
A.update(_q8())
