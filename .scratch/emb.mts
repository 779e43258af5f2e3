import { LlamaCppProvider } from '../src/providers/llama-cpp.ts';
const p = new LlamaCppProvider({ model: 's', modelPath: '/work/shared/models/stories260K.gguf' });
const v = await p.embed(['The cat sat on the mat.', 'A dog ran in the park.', 'The cat sat on a mat.']);
const cos = (a: number[], b: number[]) => { let d=0,x=0,y=0; for (let i=0;i<a.length;i++){d+=a[i]*b[i];x+=a[i]*a[i];y+=b[i]*b[i]} return d/Math.sqrt(x*y) };
console.log(v[0].length, cos(v[0], v[2]).toFixed(3), cos(v[0], v[1]).toFixed(3));
await p.close();
